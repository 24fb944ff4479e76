import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { enableTheme, installBaseStyles } from '../shared/theme';
import { AdminApp, startFirstLoad } from './admin-app';

performance.mark('dev-vm:modules-ready');
startFirstLoad();
installBaseStyles();
void enableTheme();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <AdminApp />
  </StrictMode>,
);
