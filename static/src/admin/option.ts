/** One choice of a select on the admin page (its own module so the lazy select and the controls share it without a cycle). */
export interface Option {
  label: string;
  value: string;
}
