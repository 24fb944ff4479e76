import type { SettingsInput } from '../../../src/contract/settings';
import type { FieldErrors } from './validation';

/** What every settings section gets: the draft settings, the errors keyed by setting path, and the way to change the draft. */
export interface SectionProps {
  settings: SettingsInput;
  errors: FieldErrors;
  update: (fn: (s: SettingsInput) => SettingsInput) => void;
}
