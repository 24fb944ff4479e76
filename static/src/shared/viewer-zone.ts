import { useEffect, useState } from 'react';
import { view } from '@forge/bridge';
import { browserZone } from './format';

/**
 * The viewer's time zone: Jira's profile zone from the Forge context (`timezone`,
 * https://developer.atlassian.com/platform/forge/apis-reference/ui-api-bridge/view/#getcontext),
 * the browser's until it arrives or when the context has none.
 */
export function useViewerZone(): string {
  const [zone, setZone] = useState(browserZone());
  useEffect(() => {
    view
      .getContext()
      .then((ctx) => {
        if (ctx.timezone) setZone(ctx.timezone);
      })
      .catch(() => undefined);
  }, []);
  return zone;
}
