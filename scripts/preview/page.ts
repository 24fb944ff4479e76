/**
 * The frame page: a plain-HTML stand-in for the Jira issue view and admin page around the app's
 * two Custom UI iframes, plus the preview's controls (transitions, scheduler clock) and what the
 * app wrote (comments, issue property) and what AWS holds. Data is inserted with textContent
 * only, never as HTML.
 */
export function framePage(o: { issueKey: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dev VM for Jira: local preview</title>
<style>
  :root { --ink:#172b4d; --sub:#44546f; --line:#dcdfe4; --bg:#f7f8f9; --blue:#0c66e4; --green:#216e4e; --amber:#a54800; --red:#ae2e24; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
  * { box-sizing: border-box; } [hidden] { display: none !important; }
  body { margin: 0; background: var(--bg); font-size: 14px; line-height: 1.45; }
  header.top { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
  header.top h1 { font-size: 16px; margin: 0 8px 0 0; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 3px; font-size: 12px; font-weight: 600; background: #e9f2ff; color: #0055cc; }
  .badge.ok { background: #dcfff1; color: var(--green); } .badge.off { background: #fff7d6; color: var(--amber); } .badge.sim { background: #f3f0ff; color: #5e4db2; }
  nav.tabs { display: flex; gap: 4px; padding: 0 20px; background: #fff; border-bottom: 1px solid var(--line); }
  nav.tabs button { border: 0; background: none; padding: 10px 12px; font: inherit; color: var(--sub); border-bottom: 2px solid transparent; cursor: pointer; }
  nav.tabs button[aria-selected="true"] { color: var(--blue); border-bottom-color: var(--blue); font-weight: 600; }
  main { display: grid; grid-template-columns: minmax(520px, 1.15fr) minmax(380px, 1fr); gap: 20px; padding: 20px; }
  main[hidden], section[hidden] { display: none; } #view-admin:not([hidden]) { display: block; max-width: 1200px; } #view-fleet:not([hidden]), #view-fleet-ops:not([hidden]) { display: block; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin-bottom: 16px; }
  .card h2 { font-size: 14px; margin: 0 0 10px; } .card h3 { font-size: 13px; margin: 12px 0 6px; color: var(--sub); }
  .issue-head { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
  .issue-head .key { color: var(--sub); font-weight: 600; } .issue-head .summary { font-size: 18px; font-weight: 600; }
  .lozenge { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 11px; font-weight: 700; text-transform: uppercase; background: #dfe1e6; color: #42526e; }
  .lozenge.s-10001, .lozenge.s-3 { background: #cce0ff; color: #0055cc; } .lozenge.s-10002, .lozenge.s-10003 { background: #baf3db; color: #164b35; } .lozenge.s-6 { background: #dcfff1; color: var(--green); }
  .row { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
  button.act { font: inherit; padding: 5px 12px; border-radius: 3px; border: 1px solid #091e4224; background: #f1f2f4; color: var(--ink); cursor: pointer; }
  button.act.primary { background: var(--blue); border-color: var(--blue); color: #fff; }
  button.act:hover { filter: brightness(0.96); } button.act:disabled { opacity: .6; cursor: progress; }
  :focus-visible { outline: 2px solid #388bff; outline-offset: 2px; }
  dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0 0; } dl.fields dt { color: var(--sub); } dl.fields dd { margin: 0; }
  iframe { width: 100%; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
  iframe.panel { height: 760px; } iframe.admin { height: 1400px; } iframe.fleet { height: 1400px; }
  label { display: block; font-size: 12px; font-weight: 600; color: var(--sub); margin-bottom: 2px; }
  input, select { font: inherit; padding: 4px 6px; border: 1px solid #8590a2; border-radius: 3px; }
  .comment { border-left: 3px solid #cce0ff; padding: 6px 10px; margin: 8px 0; background: #fafbfc; }
  .comment .meta { font-size: 12px; color: var(--sub); } .comment pre { white-space: pre-wrap; font: inherit; margin: 4px 0 0; }
  pre.json { background: #f7f8f9; border: 1px solid var(--line); padding: 8px; border-radius: 4px; max-height: 240px; overflow: auto; font-size: 12px; margin: 0; }
  table { border-collapse: collapse; width: 100%; font-size: 12px; } th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; } th { color: var(--sub); font-weight: 600; }
  .state-running { color: var(--green); font-weight: 700; } .state-stopped, .state-terminated { color: var(--red); font-weight: 700; } .state-pending, .state-stopping, .state-shutting-down { color: var(--amber); font-weight: 700; }
  .tags { color: var(--sub); word-break: break-word; } .muted { color: var(--sub); } .warn { color: var(--amber); }
  ul.activity { list-style: none; padding: 0; margin: 0; font-size: 12px; } ul.activity li { padding: 3px 0; border-bottom: 1px dashed var(--line); }
  #action-error { margin: 12px 20px 0; padding: 8px 12px; border-radius: 4px; background: #ffeceb; color: var(--red); font-weight: 600; } #action-error:empty { display: none; }
  .hint { font-size: 12px; color: var(--sub); margin: 6px 0 0; }
</style>
</head>
<body>
<header class="top">
  <h1>Dev VM for Jira: local preview</h1>
  <span id="aws-badge" class="badge sim">AWS: …</span>
  <span id="db-badges"></span>
  <span id="violations" class="badge off" hidden></span>
</header>
<nav class="tabs" role="tablist" aria-label="Jira views">
  <button role="tab" id="tab-issue" aria-selected="true" aria-controls="view-issue">Issue ${o.issueKey}</button>
  <button role="tab" id="tab-admin" aria-selected="false" aria-controls="view-admin" tabindex="-1">Apps › Dev VM settings (admin page)</button>
  <button role="tab" id="tab-fleet" aria-selected="false" aria-controls="view-fleet" tabindex="-1">Apps › Dev VM fleet (Jira admins)</button>
  <button role="tab" id="tab-fleet-ops" aria-selected="false" aria-controls="view-fleet-ops" tabindex="-1">Project OPS settings › Dev VM fleet</button>
</nav>
<p id="action-error" role="alert"></p>
<main id="view-issue" role="tabpanel" aria-labelledby="tab-issue">
  <div>
    <section class="card" aria-labelledby="issue-title">
      <div class="issue-head"><span class="key" id="issue-key">${o.issueKey}</span><span class="summary" id="issue-title">…</span><span id="issue-status" class="lozenge">…</span></div>
      <h3>Workflow: move the issue (runs the app's trigger)</h3>
      <div class="row" id="transitions" role="group" aria-label="Transitions"></div>
      <p class="hint">"Ready" provisions a VM; "Closed" stops or terminates it, as the admin page's "When the issue closes" says.</p>
    </section>
    <section aria-label="Dev VM issue panel">
      <div class="row" style="justify-content: space-between; margin-bottom: 6px;">
        <strong>Dev VM (issue panel)</strong>
        <span class="row"><label for="viewer" style="margin:0">Viewing as</label>
          <select id="viewer"><option value="developer">Jo Doe (developer, assignee)</option><option value="admin">Ada Admin (Jira administrator)</option></select>
          <button class="act" id="reload-panel" type="button">Reload panel</button></span>
      </div>
      <iframe class="panel" id="panel" title="Dev VM issue panel" src="/panel/index.html"></iframe>
    </section>
  </div>
  <div>
    <section class="card" aria-labelledby="clock-title">
      <h2 id="clock-title">Scheduler clock</h2>
      <form id="clock" class="row" style="align-items: flex-end;">
        <div><label for="clock-local">Date and time</label><input id="clock-local" type="datetime-local" required></div>
        <div><label for="clock-zone">Time zone</label><input id="clock-zone" list="zones" value="Europe/Berlin" required size="18"></div>
        <datalist id="zones"><option value="Europe/Berlin"><option value="Europe/London"><option value="America/New_York"><option value="Asia/Kolkata"><option value="Australia/Sydney"><option value="UTC"></datalist>
        <button class="act primary" type="submit" id="run-scheduler">Run scheduler at this time</button>
      </form>
      <p class="hint">Runs the real reconciler with this "now" against AWS; its lifecycle events go through the real notifier (HMAC-signed) to the app's web trigger. Try 18:05 on a weekday in the VM's zone to watch it stop.</p>
      <div id="last-run" aria-live="polite"></div>
      <div class="row">
        <button class="act" type="button" id="boot-ready">VM finishes its first boot</button>
        <button class="act" type="button" id="boot-failed">First boot fails (home mount)</button>
      </div>
      <p class="hint">What the VM's user data does at its end: it writes its DevVmBootStatus tag; EventBridge's tag-change event goes through the real notifier to the web trigger ("Your dev VM is ready", or the failed step).</p>
    </section>
    <section class="card" aria-labelledby="comments-title">
      <h2 id="comments-title">Comments the app wrote on ${o.issueKey}</h2>
      <div id="comments" aria-live="polite"><p class="muted">None yet.</p></div>
    </section>
    <section class="card" aria-labelledby="props-title">
      <h2 id="props-title">Issue property <code>dev-vm</code></h2>
      <pre class="json" id="props" tabindex="0" aria-label="Value of the dev-vm issue property">—</pre>
    </section>
    <section class="card" aria-labelledby="aws-title">
      <h2 id="aws-title">AWS (<span id="aws-label">…</span>)</h2>
      <h3>EC2 instances</h3><div id="instances"><p class="muted">None.</p></div>
      <h3>EFS access points</h3><div id="aps"><p class="muted">None.</p></div>
      <h3>Secrets Manager (names only)</h3><div id="secrets"><p class="muted">None.</p></div>
      <h3>Lifecycle events on EventBridge</h3><div id="events"><p class="muted">None.</p></div>
    </section>
    <section class="card" aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      <ul class="activity" id="activity"></ul>
    </section>
  </div>
</main>
<main id="view-admin" role="tabpanel" aria-labelledby="tab-admin" hidden>
  <p class="hint">The admin page as a Jira administrator (Ada Admin) sees it. The preview saved these settings at start through the same resolver; the secrets are write-only.</p>
  <iframe class="admin" id="admin" title="Dev VM admin page" src="about:blank" data-src="/admin/index.html"></iframe>
</main>
<main id="view-fleet" role="tabpanel" aria-labelledby="tab-fleet" hidden>
  <p class="hint">The fleet page as a Jira administrator (Ada Admin) sees it: the preview seeded made-up VMs across clients, zones and states, with their issues and this month's run hours.</p>
  <iframe class="fleet" id="fleet" title="Dev VM fleet page" src="about:blank" data-src="/fleet/index.html"></iframe>
</main>
<main id="view-fleet-ops" role="tabpanel" aria-labelledby="tab-fleet-ops" hidden>
  <p class="hint">The same page in project OPS's settings, as its administrator (Pat Lead, not a Jira administrator) sees it: OPS's VMs only, no bulk actions.</p>
  <iframe class="fleet" id="fleet-ops" title="Dev VM fleet page of project OPS" src="about:blank" data-src="/fleet-ops/index.html"></iframe>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v); for (const k of kids) e.append(k); return e; };
  const post = async (path, body) => { const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }); const j = await r.json(); if (!r.ok) throw new Error(j.message || ('HTTP ' + r.status)); return j; };
  const reloadPanel = () => { try { $('panel').contentWindow.location.reload(); } catch { $('panel').src = '/panel/index.html'; } };
  const table = (cols, rows) => { const t = el('table'); const h = el('tr'); for (const c of cols) h.append(el('th', { scope: 'col' }, c)); t.append(el('thead', {}, h)); const b = el('tbody'); for (const r of rows) { const tr = el('tr'); for (const c of r) tr.append(c instanceof Node ? el('td', {}, c) : el('td', {}, String(c ?? ''))); b.append(tr); } t.append(b); return t; };
  const fill = (id, node, empty) => { const box = $(id); box.replaceChildren(node || el('p', { class: 'muted' }, empty || 'None.')); };

  // Tabs
  const tabs = [['tab-issue', 'view-issue'], ['tab-admin', 'view-admin'], ['tab-fleet', 'view-fleet'], ['tab-fleet-ops', 'view-fleet-ops']];
  for (const [tab, view] of tabs) $(tab).addEventListener('click', () => {
    for (const [t, v] of tabs) { const on = t === tab; $(t).setAttribute('aria-selected', String(on)); $(t).tabIndex = on ? 0 : -1; $(v).hidden = !on; }
    for (const [t, frame] of [['tab-admin', 'admin'], ['tab-fleet', 'fleet'], ['tab-fleet-ops', 'fleet-ops']]) if (tab === t && $(frame).src === 'about:blank') $(frame).src = $(frame).dataset.src;
  });
  // Arrow keys move between tabs, as in any ARIA tab list.
  document.querySelector('[role=tablist]').addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
    const i = tabs.findIndex(([t]) => t === document.activeElement.id);
    if (i < 0) return;
    const next = $(tabs[(i + (ev.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length][0]);
    next.focus(); next.click(); ev.preventDefault();
  });

  // Clock default: now, in the VM's zone.
  const zoneNow = (zone) => { const p = Object.fromEntries(new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date()).map((x) => [x.type, x.value])); return p.year + '-' + p.month + '-' + p.day + 'T' + p.hour + ':' + p.minute; };
  $('clock-local').value = zoneNow('Europe/Berlin');

  let busy = false;
  async function act(button, fn) { if (busy) return; busy = true; button.disabled = true; $('action-error').textContent = ''; try { await fn(); } catch (e) { $('action-error').textContent = 'Failed: ' + e.message; } finally { busy = false; button.disabled = false; await refresh(); reloadPanel(); } }

  $('clock').addEventListener('submit', (ev) => { ev.preventDefault(); act($('run-scheduler'), () => post('/__preview/scheduler', { local: $('clock-local').value, zone: $('clock-zone').value.trim() })); });
  $('boot-ready').addEventListener('click', () => act($('boot-ready'), () => post('/__preview/first-boot', { status: 'ready' })));
  $('boot-failed').addEventListener('click', () => act($('boot-failed'), () => post('/__preview/first-boot', { status: 'failed:home' })));
  $('viewer').addEventListener('change', async () => { await post('/__preview/viewer', { as: $('viewer').value }); reloadPanel(); });
  $('reload-panel').addEventListener('click', reloadPanel);

  let transitionsKey = '';
  async function refresh() {
    let s; try { s = await (await fetch('/__preview/state')).json(); } catch { return; }
    $('aws-badge').textContent = 'AWS: ' + s.awsLabel;
    $('aws-label').textContent = s.awsLabel;
    $('db-badges').replaceChildren(...s.engines.map((e) => { const lost = e.enabled && e.loginLost; const b = el('span', { class: 'badge ' + (e.enabled && !lost ? 'ok' : 'off'), title: lost ? e.loginLost : e.enabled ? e.host : e.reason, 'data-testid': 'db-badge-' + e.engine, style: 'margin-right:6px' }, (e.engine === 'postgres' ? 'PostgreSQL' : 'MariaDB/MySQL') + (lost ? ': login lost (another preview reset it; restart npm start)' : e.enabled ? ': local ' + e.host : ': not reachable, switched off')); return b; }));
    $('violations').hidden = s.violations.length === 0; $('violations').textContent = s.violations.length + ' Jira contract violation(s): ' + s.violations.join('; ');
    $('issue-title').textContent = s.issue.summary;
    const st = $('issue-status'); st.textContent = s.issue.status.name; st.className = 'lozenge s-' + s.issue.status.id;
    const key = s.issue.status.id;
    if (key !== transitionsKey) {
      transitionsKey = key;
      $('transitions').replaceChildren(...s.issue.transitions.map((t) => { const b = el('button', { class: 'act' + (t.name === 'Ready' ? ' primary' : ''), type: 'button', 'data-testid': 'transition-' + t.name.toLowerCase().replace(/\\s+/g, '-') }, t.name); b.addEventListener('click', () => act(b, () => post('/__preview/transition', { to: t.to }))); return b; }));
    }
    fill('comments', s.comments.length ? el('div', {}, ...s.comments.slice().reverse().map((c) => el('article', { class: 'comment' }, el('div', { class: 'meta' }, c.author + ' · ' + new Date(c.created).toLocaleString()), el('pre', {}, c.text)))) : null, 'None yet.');
    $('props').textContent = s.issue.properties['dev-vm'] ? JSON.stringify(s.issue.properties['dev-vm'], null, 2) : '— (not set)';
    fill('instances', s.aws.instances.length ? table(['Instance', 'State', 'Tags'], s.aws.instances.map((i) => [i.instanceId, el('span', { class: 'state-' + i.state }, i.state), el('span', { class: 'tags' }, Object.entries(i.tags).map(([k, v]) => k + '=' + v).join(', '))])) : null);
    const only = 'Listed for the simulated AWS only.';
    fill('aps', s.aws.accessPoints && s.aws.accessPoints.length ? table(['Access point', 'Path', 'uid:gid'], s.aws.accessPoints.map((a) => [a.id, a.path, a.uid + ':' + a.gid])) : null, s.aws.accessPoints ? 'None.' : only);
    fill('secrets', s.aws.secrets && s.aws.secrets.length ? el('ul', {}, ...s.aws.secrets.map((n) => el('li', {}, n))) : null, s.aws.secrets ? 'None.' : only);
    fill('events', s.aws.events && s.aws.events.length ? table(['Time', 'Type', 'Instance'], s.aws.events.map((e) => [e.time, e.type, e.instanceId])) : null, s.aws.events ? 'None.' : only);
    if (s.lastRun) {
      const r = s.lastRun.summary;
      const detail = Object.entries(r.detail).flatMap(([what, m]) => Object.entries(m).map(([id, why]) => what + ' ' + id + ': ' + why));
      $('last-run').replaceChildren(el('p', {}, 'Last run at ' + s.lastRun.now + ': ' + r.seen + ' seen, ' + r.started + ' started, ' + r.stopped + ' stopped, ' + r.terminated + ' terminated, ' + r.skipped + ' skipped, ' + r.failed + ' failed.'), ...(detail.length ? [el('ul', {}, ...detail.map((d) => el('li', {}, d)))] : []), ...(s.lastRun.deliveries.length ? [el('p', {}, 'Delivered to the web trigger: ' + s.lastRun.deliveries.map((d) => d.type + (d.result.delivered ? ' (' + d.result.status + ')' : ' (failed: ' + (d.result.error || d.result.reason) + ')')).join(', '))] : []));
    }
    $('activity').replaceChildren(...s.activity.map((a) => el('li', {}, new Date(a.at).toLocaleTimeString() + '  ' + a.text)));
  }
  // Jira sizes an app's iframe to its content; so does the frame (same origin here).
  const fit = () => { for (const id of ['panel', 'admin']) { const f = $(id); try { const h = f.contentDocument && f.contentDocument.documentElement.scrollHeight; if (h && Math.abs(f.offsetHeight - h - 2) > 4) f.style.height = (h + 2) + 'px'; } catch { /* not loaded yet */ } } };
  refresh();
  setInterval(refresh, 2000);
  setInterval(fit, 500);
})();
</script>
</body>
</html>`;
}
