import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { enableTheme, installBaseStyles } from '../shared/theme';
import { AdminApp } from './admin-app';
import { startFirstLoad } from './use-admin-settings';

performance.mark('dev-vm:modules-ready');
startFirstLoad();
installBaseStyles();
void enableTheme();
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <AdminApp />
  </StrictMode>,
);
