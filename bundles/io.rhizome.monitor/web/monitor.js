'use strict';
// The Rhizome sync monitor. Plain DOM code, no framework: every value from the node is put in
// with textContent (never as HTML), and every state-changing call carries the session's CSRF token.
(() => {
  const $ = (id) => document.getElementById(id);
  const MAX_EVENTS = 200;
  let csrf = null;
  let view = 'overview';
  let status = null;
  let invitationOpen = false;

  async function api(path, method = 'GET', body) {
    const opts = { method, headers: {}, credentials: 'same-origin' };
    if (method !== 'GET') {
      opts.headers['X-Rhizome-CSRF'] = csrf;
      if (body !== undefined) {
        opts.headers['Content-Type'] = 'application/json';
        opts.body = JSON.stringify(body);
      }
    }
    const r = await fetch(path, opts);
    if (r.status === 401) {
      banner('Logged out of the monitor (the session ended or the node restarted): run rhizome open');
      throw new Error('unauthorized');
    }
    const text = await r.text();
    const type = r.headers.get('Content-Type') || '';
    const data = type.includes('application/json') && text ? JSON.parse(text) : text;
    if (!r.ok) {
      throw new Error((data && data.message) || ('HTTP ' + r.status));
    }
    return data;
  }

  function banner(text) {
    $('banner').textContent = text || '';
    $('banner').hidden = !text;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function row(tbody, cells, attrs = {}) {
    const tr = el('tr');
    for (const [k, v] of Object.entries(attrs)) tr.setAttribute(k, v);
    for (const c of cells) {
      const td = el('td');
      if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? '—' : String(c);
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }

  const kb = (n) => (n >= 1048576 ? (n / 1048576).toFixed(1) + ' MB' : (n / 1024).toFixed(1) + ' KB');
  const short = (id) => (id ? id.slice(0, 10) + '…' : '—');
  const yesNo = (b) => el('span', b ? 'yes' : 'no', b ? 'yes' : 'no');
  function ago(iso) {
    if (!iso) return 'never';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
  }

  function show(name) {
    view = name;
    history.replaceState(null, '', '#' + name);
    for (const b of document.querySelectorAll('nav button')) b.classList.toggle('on', b.dataset.view === name);
    for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== name;
    refresh();
  }

  function renderOverview(s) {
    const sync = s.sync || {};
    const dl = $('overview-list');
    dl.replaceChildren();
    const items = [
      ['State', sync.state], ['Online', sync.online ? 'yes' : 'no'], ['Device', sync.deviceId],
      ['Connected peers', sync.connectedPeers], ['Pending writes', sync.pendingMutations],
      ['Last sync', sync.lastSyncTime ? sync.lastSyncTime + ' (' + ago(sync.lastSyncTime) + ')' : 'never'],
      ['Last error', sync.lastError || 'none'], ['Clock', sync.clockProblem || 'ok'],
      ['Node', 'version ' + s.node.version + ', pid ' + s.node.pid + ', up ' + Math.round(s.node.uptimeMillis / 1000) + ' s'],
      ['Home', s.node.home]];
    if (sync.revoked) items.unshift(['Revoked', sync.revoked]);
    for (const [k, v] of items) {
      dl.appendChild(el('dt', k));
      const dd = el('dd', v === undefined || v === null ? '—' : v);
      dd.dataset.field = k.toLowerCase().replace(/ /g, '-');
      dl.appendChild(dd);
    }
  }

  // Per connected peer: what is left to receive and send, as a bar against the most seen left.
  const mostLeft = {};
  function renderProgress(s) {
    const box = $('progress');
    box.replaceChildren();
    for (const p of (s.sync && s.sync.peers) || []) {
      const g = p.progress || {};
      if (!p.connected) continue;
      const left = (g.incoming || 0) + (g.outgoing || 0);
      mostLeft[p.peerId] = Math.max(mostLeft[p.peerId] || 0, left);
      const total = mostLeft[p.peerId];
      const row = el('div');
      row.dataset.peer = p.peerId;
      row.dataset.left = String(left);
      row.appendChild(el('span', short(p.peerId) + ': ' + (left === 0 && g.peerStateKnown ? 'caught up' :
        left.toLocaleString() + ' change sets left (' + (g.incoming || 0) + ' to receive, ' + (g.outgoing || 0) + ' to send)') +
        ' · ' + kb(g.bytesReceived || 0) + ' in / ' + kb(g.bytesSent || 0) + ' out' +
        (left > 0 && g.bytesLeftEstimate ? ' · about ' + kb(g.bytesLeftEstimate) + ' left' : '') + (g.etaSeconds ? ' · ETA ' + g.etaSeconds + ' s' : '')));
      const bar = el('div', null, 'bar');
      const fill = el('i');
      fill.style.width = (total === 0 ? 100 : Math.round(100 * (total - left) / total)) + '%';
      bar.appendChild(fill);
      row.appendChild(bar);
      box.appendChild(row);
    }
  }

  // Imports, exports and joins: running ones with a bar, finished ones with how they ended.
  function renderOperations(s) {
    const box = $('operations');
    box.replaceChildren();
    for (const op of s.operations || []) {
      const row = el('div');
      row.dataset.operation = op.id;
      row.dataset.kind = op.kind;
      row.dataset.state = op.state;
      row.dataset.done = String(op.done);
      const count = op.unit === 'bytes' ? '' : op.done.toLocaleString() + (op.total >= 0 ? ' / ' + op.total.toLocaleString() : '') + ' ' + op.unit + ', ';
      const bytes = kb(op.bytes) + (op.totalBytes >= 0 ? ' / ' + kb(op.totalBytes) : '');
      row.appendChild(el('span', op.kind + ' ' + op.state + ': ' + op.phase + ' ' + count + bytes +
        (op.state === 'running' && op.etaMillis ? ' · ETA ' + Math.ceil(op.etaMillis / 1000) + ' s' : '') + (op.error ? ' · ' + op.error : '')));
      const bar = el('div', null, 'bar');
      const fill = el('i');
      fill.style.width = (op.state === 'done' ? 100 : op.total > 0 ? Math.round(100 * op.done / op.total) : 0) + '%';
      bar.appendChild(fill);
      row.appendChild(bar);
      box.appendChild(row);
    }
    $('operations-title').hidden = !(s.operations && s.operations.length);
  }

  function renderHeader(s) {
    const sync = s.sync || {};
    $('device').textContent = short(sync.deviceId);
    $('state').textContent = sync.state || 'unavailable';
    const dot = $('dot');
    dot.className = 'dot ' + (sync.revoked || sync.lastError ? 'bad' : sync.connectedPeers > 0 ? 'ok' : 'warn');
    $('conn').textContent = (sync.connectedPeers || 0) + ' connected, ' + (sync.pendingMutations || 0) + ' pending';
  }

  async function renderDevices() {
    const [peers, s] = [await api('/api/v1/peers'), status];
    const wg = (s && s.transports && s.transports.wireguard && s.transports.wireguard.peers) || [];
    const tbody = $('devices-rows');
    tbody.replaceChildren();
    for (const p of peers.peers) {
      const w = wg.find((x) => x.deviceId === p.deviceId);
      row(tbody, [el('span', short(p.deviceId), 'mono'), p.fingerprint, yesNo(p.connected), p.transport, ago(p.lastSeen), ago(p.lastSync),
        p.pendingEvents, p.heldBackStreams, w && w.handshakeAgeSeconds !== undefined ? w.handshakeAgeSeconds + ' s' : '—',
        w ? w.rxBytes + ' / ' + w.txBytes : '—', p.via], { 'data-device': p.deviceId, 'data-connected': String(p.connected) });
    }
    $('devices-empty').hidden = peers.peers.length > 0;
  }

  async function renderNamespaces() {
    const list = await api('/api/v1/ns');
    const tbody = $('ns-rows');
    const rows = [];
    for (const n of list.namespaces) {
      let count = '—';
      try { count = (await api('/api/v1/ns/' + encodeURIComponent(n.name))).keys.length; } catch (e) { /* unavailable */ }
      rows.push([n, count]);
    }
    tbody.replaceChildren();
    for (const [n, count] of rows) {
      row(tbody, [n.name, n.crdtType, n.scope + (n.predicate ? ' ' + n.predicate : ''), count, yesNo(n.available),
        n.unavailableReason || n.warning || ''], { 'data-ns': n.name });
    }
    const pending = ((status && status.sync && status.sync.peers) || []).map((p) => short(p.peerId) + ': ' + p.pendingEvents);
    $('ns-pending').textContent = pending.length ? pending.join(', ') : 'no peer';
  }

  async function renderPlugins() {
    const list = await api('/api/v1/plugins');
    const tbody = $('plugin-rows');
    tbody.replaceChildren();
    for (const p of list.plugins) {
      row(tbody, [p.kind, p.name, yesNo(p.active), p.ranking, p.bundle + ' ' + p.bundleVersion], { 'data-plugin': p.kind + '/' + p.name });
    }
    $('audit-tab').hidden = !list.plugins.some((p) => p.kind === 'sync-policy' && p.name === 'enterprise');
  }

  async function renderAudit() {
    const tbody = $('audit-rows');
    try {
      const text = await api('/api/v1/audit');
      const records = String(text).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)).reverse();
      tbody.replaceChildren();
      for (const r of records.slice(0, 500)) {
        row(tbody, [r.time, r.decision, short(r.device), r.member, r.namespace, r.rule]);
      }
      $('audit-note').textContent = records.length ? '' : 'No denial or ACL change recorded on this device.';
    } catch (e) {
      $('audit-note').textContent = e.message;
    }
  }

  // The newest invitation shown; a status snapshot taken before a newer invitation was made must not
  // bring the older one (its code, its state) back onto the page.
  let shownInvitation = null;

  function isStale(i) {
    return shownInvitation && i.code !== shownInvitation.code
      && Date.parse(i.expiresAt) < Date.parse(shownInvitation.expiresAt);
  }

  function renderInvitation(i) {
    if (isStale(i)) return;
    shownInvitation = i;
    $('pair-box').hidden = false;
    $('pair-code').textContent = i.code;
    const qr = '/monitor/qr.svg?text=' + encodeURIComponent(i.joinUri);
    if ($('pair-qr').getAttribute('src') !== qr) $('pair-qr').setAttribute('src', qr);
    $('pair-state').textContent = i.state;
    const left = Math.max(0, Math.round((Date.parse(i.expiresAt) - Date.now()) / 1000));
    $('pair-left').textContent = i.state === 'active' ? left + ' s left' : '';
    $('pair-attempts').textContent = i.attemptsLeft;
    $('pair-addrs').textContent = (i.addresses || []).join('  ');
    $('pair-with').hidden = !i.pairedWith;
    $('pair-with').textContent = i.pairedWith ? 'Paired with ' + i.pairedWith : '';
    if (i.pairedWith) $('pair-with').dataset.device = i.pairedWith;
    invitationOpen = i.state === 'active';
    $('pair-cancel').hidden = !invitationOpen;
    const stages = { 'waiting-for-joiner': 'waiting for the other device', connecting: 'key agreed; connecting for the mesh catch-up',
      'catching-up': 'mesh catch-up', done: 'paired and caught up' };
    $('pair-stage').textContent = stages[i.stage] || i.stage || '';
    $('pair-stage').dataset.stage = i.stage || '';
    const c = i.catchUp;
    $('pair-catchup').hidden = !c;
    if (c) {
      const left = (c.incoming || 0) + (c.outgoing || 0);
      mostLeft['pair:' + i.pairedWith] = Math.max(mostLeft['pair:' + i.pairedWith] || 0, left);
      const total = mostLeft['pair:' + i.pairedWith];
      $('pair-catchup-text').textContent = c.caughtUp ? 'caught up (' + c.changeSetsReceived + ' received, ' + c.changeSetsSent + ' sent)'
        : left.toLocaleString() + ' change sets left (' + c.incoming + ' to receive, ' + c.outgoing + ' to send)' + (c.etaSeconds ? ' · ETA ' + c.etaSeconds + ' s' : '');
      $('pair-catchup-bar').style.width = (c.caughtUp || total === 0 ? 100 : Math.round(100 * (total - left) / total)) + '%';
    }
  }

  async function renderPairing() {
    try {
      renderInvitation(await api('/api/v1/pair'));
    } catch (e) {
      if (e.message !== 'unauthorized') $('pair-box').hidden = true;
    }
  }

  // The presence strip: every device present now (paired peers' ephemeral states, and this one's).
  async function fetchPresence() {
    renderPresence(await api('/api/v1/presence'));
  }

  function renderPresence(list) {
    const strip = $('presence');
    strip.replaceChildren();
    for (const d of list.devices) {
      const st = d.state || {};
      const label = typeof st === 'object' && (st.name || st.viewing) ? [st.name, st.viewing].filter(Boolean).join(' · ') : JSON.stringify(st);
      const chip = el('span', (d.self ? 'this device' : short(d.deviceId)) + ': ' + label);
      chip.title = d.deviceId + ' until ' + d.expiresAt;
      chip.dataset.device = d.deviceId;
      chip.dataset.self = String(d.self);
      strip.appendChild(chip);
    }
  }

  // What the status says, drawn without asking the node again; the views that show other resources
  // (devices, namespaces, plugins, audit) fetch them, since a status change is when they change.
  async function renderStatus() {
    renderHeader(status);
    if (view === 'overview') { renderOverview(status); renderProgress(status); renderOperations(status); }
    if (status.pairing && (view === 'pairing' || invitationOpen)) renderInvitation(status.pairing);
    if (view === 'devices') await renderDevices();
    if (view === 'namespaces') await renderNamespaces();
    if (view === 'plugins' || $('audit-tab').hidden) await renderPlugins();
    if (view === 'audit') await renderAudit();
  }

  // A full fetch: on start, on a tab switch, and every second while the status stream is down.
  async function refresh() {
    try {
      status = await api('/api/v1/status');
      await fetchPresence();
      await renderStatus();
      if (view === 'pairing' && !status.pairing) await renderPairing();
      if (!$('banner').textContent.startsWith('Logged out')) banner('');
    } catch (e) {
      if (e.message !== 'unauthorized') banner('The node does not answer: ' + e.message);
    }
  }

  let polling = null;
  function poll(on) {
    if (on && !polling) polling = setInterval(refresh, 1000);
    if (!on && polling) { clearInterval(polling); polling = null; }
    document.body.dataset.updates = on ? 'polling' : 'live';
  }

  // The status stream pushes the status and the presence list whenever they change; polling is the
  // fallback while it is down (EventSource reconnects by itself).
  function listenStatus() {
    const source = new EventSource('/api/v1/status/events');
    source.onopen = () => poll(false);
    source.onerror = () => poll(true);
    source.addEventListener('status', async (m) => {
      status = JSON.parse(m.data);
      try { await renderStatus(); if (!$('banner').textContent.startsWith('Logged out')) banner(''); } catch (e) { /* shown by api() */ }
    });
    source.addEventListener('presence', (m) => renderPresence(JSON.parse(m.data)));
  }

  // Writes change the namespaces view's counts: fetch it again, at most every 500 ms.
  let nsTimer = null;
  function changed() {
    if (view !== 'namespaces' || nsTimer) return;
    nsTimer = setTimeout(() => { nsTimer = null; renderNamespaces().catch(() => {}); }, 500);
  }

  function addEvent(kind, d) {
    const li = el('li', null, (d.origin === 'remote' ? 'remote ' : '') + kind);
    const value = d.value === undefined ? (d.reason || '') : JSON.stringify(d.value);
    li.textContent = new Date().toLocaleTimeString() + '  ' + kind + '  ' + (d.namespace || '') + '/' + (d.key || '') + '  ' +
      (d.origin || d.direction || '') + '  ' + short(d.author || d.peer) + '  ' + value;
    li.dataset.kind = kind;
    if (d.namespace) li.dataset.ns = d.namespace;
    if (d.key !== undefined) li.dataset.key = d.key;
    if (d.origin) li.dataset.origin = d.origin;
    const list = $('events-list');
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_EVENTS) list.removeChild(list.lastChild);
  }

  function listen() {
    // EventSource sends the session cookie (same origin) and reconnects by itself after a break.
    const source = new EventSource('/api/v1/events');
    source.onopen = () => { $('events-state').textContent = 'live'; $('events-state').dataset.live = 'true'; };
    source.onerror = () => { $('events-state').textContent = 'reconnecting…'; $('events-state').dataset.live = 'false'; };
    for (const kind of ['change', 'held-back', 'flowing']) {
      source.addEventListener(kind, (m) => { addEvent(kind, JSON.parse(m.data)); changed(); });
    }
    source.addEventListener('overflow', () => { source.close(); setTimeout(listen, 1000); });
  }

  async function start() {
    for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));
    $('pair-new').addEventListener('click', async () => {
      $('pair-error').hidden = true;
      try { renderInvitation(await api('/api/v1/pair', 'POST')); } catch (e) { $('pair-error').textContent = e.message; $('pair-error').hidden = false; }
    });
    $('pair-cancel').addEventListener('click', async () => {
      try { renderInvitation(await api('/api/v1/pair', 'DELETE')); } catch (e) { $('pair-error').textContent = e.message; $('pair-error').hidden = false; }
    });
    try {
      csrf = (await api('/monitor/session')).csrf;
    } catch (e) {
      return;
    }
    const wanted = location.hash.slice(1);
    show(document.querySelector('nav button[data-view="' + wanted + '"]') ? wanted : 'overview');
    listen();
    poll(true);
    listenStatus();
    // The "… s ago" times move on without news from the node: redraw them from what is known.
    setInterval(() => {
      if (status && view === 'overview') renderOverview(status);
      if (status && status.pairing && view === 'pairing') renderInvitation(status.pairing);
    }, 1000);
    document.body.dataset.ready = 'true';
  }

  start();
})();
