// The timeline page: draws the run's data (the JSON above) as SVG on one
// virtual-time axis. Zoom: wheel, +/- or the buttons; pan: drag, or the
// arrow keys; click: the time cursor and the state panel. No network, no
// libraries: the file opens from disk.
(function () {
  'use strict';
  const SCRIPT_START_MS = performance.now();
  const D = JSON.parse(document.getElementById('timeline-data').textContent);
  // The many rows come as arrays (html.rs, `Row`): name their columns.
  D.marks = D.marks.map(([server, t, topic, text]) => ({ server, t, topic, text }));
  D.rpcs = D.rpcs.map(([call, from, to, kind, sent_ms, arrived_ms, ended_ms, end, reason, request, reply]) =>
    ({ call, from, to, kind, sent_ms, arrived_ms, ended_ms, end, reason, request, reply }));
  D.states = D.states.map(([t, server, incarnation, up, connected, role, term, voted_for, commit, applied, log_first, log_last]) =>
    ({ t, server, incarnation, up, connected, role, term, voted_for, commit, applied, log_first, log_last }));
  const H = D.header;
  const N = H.servers;
  const END = Math.max(H.end_ms, 1);
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.getElementById('chart');
  const labels = document.getElementById('labels');
  const tooltip = document.getElementById('tooltip');

  // Layout, in px.
  const AXIS_H = 22, STEPS_H = 46, PHASE_H = 10, STRIPE_H = 4, GAP = 6;
  const ROLE_H = 20, PLOT_H = 34, SERVER_H = ROLE_H + PLOT_H + 10;
  // Above this many RPCs in view, arrows are bundled per pair and pixels.
  const MAX_ARROWS = 1200;
  // Above this many events in view, event ticks are thinned.
  const MAX_MARKS = 3000;

  const view = { t0: 0, t1: END, width: 800, cursor: null };
  const rows = layout();

  // ---- helpers ----
  function el(tag, attrs, parent, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) { if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]); }
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function failedWhere(f) {
    if (f.oracle) return 'by the strict oracle ' + f.oracle;
    return (f.kind === 'panic' ? 'with a panic' : f.kind === 'runaway' ? 'runaway' : f.kind === 'hang' ? 'hang in' : 'in') + ' ' + f.check;
  }
  function fmt(ms) { return (ms / 1000).toFixed(3) + 's'; }
  function x(t) { return (t - view.t0) / (view.t1 - view.t0) * view.width; }
  function tAt(px) { return view.t0 + px / view.width * (view.t1 - view.t0); }
  function visible(from, to) { return to >= view.t0 && from <= view.t1; }
  function clampX(px) { return Math.max(-5, Math.min(view.width + 5, px)); }
  function span(a, b) { const x0 = clampX(x(a)), x1 = clampX(x(b)); return [x0, Math.max(x1 - x0, 0.5)]; }
  function roleName(r) { return r === null || r === undefined ? 'unknown' : r; }
  function opt(v) { return v === null || v === undefined ? '?' : String(v); }
  function byServer(list) {
    const out = [];
    for (let i = 0; i < N; i++) out.push([]);
    for (const item of list) { if (item.server < N) out[item.server].push(item); }
    return out;
  }
  function lastAtOrBefore(list, t, key) {
    let lo = 0, hi = list.length - 1, found = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid][key] <= t) { found = list[mid]; lo = mid + 1; } else { hi = mid - 1; }
    }
    return found;
  }
  const statesBy = byServer(D.states);
  const linksAt = buildLinkIndex();
  const maxIndex = Math.max(1, ...D.series.flatMap(s => s.commit.concat(s.last_log, s.applied).map(p => p[1])));

  // ---- layout: the y of every track ----
  function layout() {
    let y = AXIS_H;
    const r = { steps: y };
    y += STEPS_H + GAP;
    r.network = y;
    r.phase = y;
    y += PHASE_H + 2;
    r.netServer = [];
    const stripeRow = Math.max(Math.max(N - 1, 1) * STRIPE_H + 3, 13);
    for (let i = 0; i < N; i++) { r.netServer.push(y); y += stripeRow; }
    r.networkEnd = y;
    y += GAP;
    r.server = [];
    for (let i = 0; i < N; i++) { r.server.push(y); y += SERVER_H; }
    r.height = y + 4;
    r.stripeRow = stripeRow;
    return r;
  }

  function drawLabels() {
    labels.textContent = '';
    labels.style.height = rows.height + 'px';
    const add = (text, y, cls) => {
      const d = document.createElement('div');
      d.textContent = text; d.style.top = y + 'px';
      if (cls) d.className = cls;
      labels.appendChild(d);
    };
    add('tester', rows.steps + 4);
    add('network', rows.network - 2);
    for (let i = 0; i < N; i++) add('S' + i + ' links', rows.netServer[i] - 3, 'sub');
    for (let i = 0; i < N; i++) {
      add('S' + i, rows.server[i] + 3);
      add('commit/log', rows.server[i] + ROLE_H + 8, 'sub');
    }
  }

  // ---- the header ----
  function drawHeader() {
    const h = document.getElementById('run-header');
    const verdict = H.verdict === 'passed' ? 'PASSED' : 'FAILED';
    const title = document.createElement('h1');
    title.textContent = H.test + ' ';
    const v = document.createElement('span');
    v.className = 'verdict-' + H.verdict; v.textContent = verdict;
    title.appendChild(v);
    h.appendChild(title);
    const meta = document.createElement('div');
    meta.className = 'meta';
    meta.textContent = 'seed ' + H.seed + ' · edition ' + H.edition + (H.raft ? ' · raft ' + H.raft : '') +
      (H.strict ? ' · strict oracles' : '') + ' · ' + N + ' servers · ' + fmt(H.end_ms) + ' virtual · ' +
      (H.verdict === 'hung'
        ? 'the Raft never returned: no event count or trace hash'
        : H.events + ' simulator events · trace hash ' + H.trace_hash);
    h.appendChild(meta);
    H.replay.forEach((cmd, k) => {
      const d = document.createElement('div');
      d.className = 'replay';
      d.textContent = (k === 0 ? 'replay: ' : 'or: ');
      const c = document.createElement('code'); c.textContent = cmd;
      d.appendChild(c); h.appendChild(d);
    });
    for (const note of H.notes) {
      const d = document.createElement('div'); d.className = 'note'; d.textContent = note; h.appendChild(d);
    }
    if (D.failure) {
      const f = D.failure;
      const d = document.createElement('div');
      d.className = 'failure-banner';
      d.id = 'failure-banner';
      const b = document.createElement('b');
      b.textContent = 'FAIL at ' + fmt(f.t) + ' ' + failedWhere(f) + ': ';
      d.appendChild(b);
      d.appendChild(document.createTextNode(f.message));
      d.title = 'click: zoom to the failure';
      d.addEventListener('click', zoomToFailure);
      h.appendChild(d);
    }
    const legend = document.getElementById('legend');
    for (const [cls, text] of [['--follower', 'follower'], ['--candidate', 'candidate'], ['--leader', 'leader'],
      ['--vote', 'vote RPC'], ['--append', 'append RPC'], ['--fail', 'failed']]) {
      const s = document.createElement('span');
      const i = document.createElement('i'); i.style.background = 'var(' + cls + ')';
      s.appendChild(i); s.appendChild(document.createTextNode(text)); legend.appendChild(s);
    }
  }

  // ---- the network: links i->j as intervals, folded into stripes ----
  function buildLinkIndex() {
    const up = [];
    for (let i = 0; i < N; i++) { up.push([]); for (let j = 0; j < N; j++) up[i].push([]); }
    for (const l of D.network.links) { if (l.from < N && l.to < N) up[l.from][l.to].push([l.from_ms, l.to_ms]); }
    return function (i, j, t) {
      return up[i][j].some(s => s[0] <= t && t < s[1]);
    };
  }
  const lanesBy = byServer(D.lanes);
  function upAt(i, t) { return lanesBy[i].some(l => l.from_ms <= t && t < l.to_ms); }
  // The stripe of server i towards j: segments where i->j and j->i hold
  // (a link to or from a server that is down carries nothing: 'dead').
  function stripeSegments(i, j) {
    const cuts = new Set([0, END]);
    for (const l of D.network.links) {
      if ((l.from === i && l.to === j) || (l.from === j && l.to === i)) { cuts.add(l.from_ms); cuts.add(l.to_ms); }
    }
    for (const l of lanesBy[i].concat(lanesBy[j])) { cuts.add(l.from_ms); cuts.add(l.to_ms); }
    const times = Array.from(cuts).filter(t => t <= END).sort((a, b) => a - b);
    const out = [];
    for (let k = 0; k + 1 < times.length; k++) {
      const a = times[k], b = times[k + 1];
      const o = linksAt(i, j, a), n = linksAt(j, i, a);
      const state = !upAt(i, a) || !upAt(j, a) ? 'dead' : o && n ? 'both' : o ? 'out' : n ? 'in' : 'none';
      if (out.length && out[out.length - 1].state === state) out[out.length - 1].to = b;
      else out.push({ from: a, to: b, state });
    }
    return out;
  }
  const stripes = [];
  for (let i = 0; i < N; i++) {
    stripes.push([]);
    for (let j = 0; j < N; j++) stripes[i].push(i === j ? [] : stripeSegments(i, j));
  }
  const STRIPE_TIP = { both: 'both ways', out: 'only S{i} -> S{j} (S{j} cannot reach S{i})',
    in: 'only S{j} -> S{i} (S{i} cannot reach S{j})', none: 'cut both ways', dead: 'a server is down' };

  function drawNetwork(g) {
    const net = el('g', { id: 'network-track' }, g);
    el('rect', { class: 'track-bg', x: 0, y: rows.network - 2, width: view.width, height: rows.networkEnd - rows.network + 2 }, net);
    for (const p of D.network.phases) {
      if (!visible(p.from_ms, p.to_ms)) continue;
      const [x0, w] = span(p.from_ms, p.to_ms);
      el('rect', { class: 'phase phase-' + p.kind, x: x0, y: rows.phase, width: w, height: PHASE_H,
        'data-tip': p.kind + ' ' + fmt(p.from_ms) + ' – ' + fmt(p.to_ms) + (p.detail ? '\n' + p.detail : '') }, net);
    }
    for (let i = 0; i < N; i++) {
      let k = 0;
      for (let j = 0; j < N; j++) {
        if (i === j) continue;
        const y = rows.netServer[i] + k * STRIPE_H;
        k++;
        for (const s of stripes[i][j]) {
          if (!visible(s.from, s.to)) continue;
          const [x0, w] = span(s.from, s.to);
          const tip = 'S' + i + ' ↔ S' + j + ': ' + STRIPE_TIP[s.state].replace(/\{i\}/g, i).replace(/\{j\}/g, j) +
            '\n' + fmt(s.from) + ' – ' + fmt(s.to);
          el('rect', { class: 'link link-' + s.state, x: x0, y: y, width: w, height: STRIPE_H - 0.5,
            'data-from': i, 'data-to': j, 'data-tip': tip }, net);
        }
      }
    }
  }

  // ---- the tester's track ----
  function drawSteps(g) {
    const t = el('g', { id: 'tester-track' }, g);
    el('rect', { class: 'track-bg', x: 0, y: rows.steps, width: view.width, height: STEPS_H }, t);
    for (const s of D.steps) {
      if (!visible(s.from_ms, s.to_ms)) continue;
      const tip = s.kind + (s.server !== null ? ' S' + s.server : '') + ' at ' + fmt(s.from_ms) +
        (s.to_ms > s.from_ms ? ' – ' + fmt(s.to_ms) : '') + (s.verdict ? ' [' + s.verdict + ']' : '') + '\n' + s.label;
      if (s.to_ms > s.from_ms || s.kind === 'one' || s.kind === 'check') {
        const lane = s.kind === 'one' ? 1 : 0;
        const y = rows.steps + 16 + lane * 14;
        const [x0, w] = span(s.from_ms, s.to_ms);
        el('rect', { class: 'step ' + s.verdict, x: x0, y: y, width: Math.max(w, 2), height: 11, 'data-tip': tip,
          'data-kind': s.kind }, t);
        if (w > 60) el('text', { x: x0 + 3, y: y + 9 }, t, s.label.slice(0, Math.floor(w / 5.5)));
      } else {
        const px = x(s.from_ms);
        el('line', { class: 'instant instant-' + s.kind, x1: px, x2: px, y1: rows.steps + 1, y2: rows.steps + 13,
          'data-tip': tip, 'data-kind': s.kind }, t);
      }
    }
  }

  function drawFailure(g) {
    if (!D.failure) return;
    const f = D.failure;
    const px = x(f.t);
    const m = el('g', { class: 'failure-marker', id: 'failure-marker',
      'data-tip': 'FAIL at ' + fmt(f.t) + ' ' + failedWhere(f) + '\n' + f.message }, g);
    el('line', { x1: px, x2: px, y1: AXIS_H, y2: rows.height }, m);
    const full = '✖ ' + (f.oracle ? 'strict oracle ' + f.oracle : f.check) + ': ' + f.message;
    const box = el('rect', { y: rows.steps + 1, height: 14, rx: 2 }, m);
    const label = el('text', { y: rows.steps + 12, class: 'failure-text' }, m, full.length > 90 ? full.slice(0, 88) + '…' : full);
    const w = (label.getComputedTextLength ? label.getComputedTextLength() : full.length * 6.5) + 8;
    const left = Math.max(0, px + w > view.width ? px - w : px);
    box.setAttribute('x', left); box.setAttribute('width', w);
    label.setAttribute('x', left + 4);
  }

  // ---- servers: lanes, roles, elections, series, snapshots, marks ----
  function drawServers(g) {
    const s = el('g', { id: 'servers' }, g);
    for (const l of D.lanes) {
      const y = rows.server[l.server];
      const [x0, w] = span(l.from_ms, l.to_ms);
      const tip = 'S' + l.server + ' incarnation ' + l.incarnation + ': ' + fmt(l.from_ms) + ' – ' + fmt(l.to_ms) +
        (l.crashed ? ' (crashed)' : '');
      el('rect', { class: 'lane', x: x0, y: y, width: w, height: SERVER_H - 6, 'data-server': l.server,
        'data-incarnation': l.incarnation, 'data-tip': tip }, s);
      if (visible(l.from_ms, l.from_ms)) el('text', { class: 'lane-label', x: x(l.from_ms) + 2, y: y + ROLE_H + 11 }, s, '#' + l.incarnation);
      if (l.crashed && visible(l.to_ms, l.to_ms)) {
        const px = x(l.to_ms);
        el('path', { class: 'crash', d: 'M' + (px - 4) + ' ' + (y + 2) + 'l8 8m0 -8l-8 8', 'data-tip': 'S' + l.server + ' crashed at ' + fmt(l.to_ms) }, s);
      }
    }
    for (const r of D.roles) {
      if (!visible(r.from_ms, r.to_ms)) continue;
      const y = rows.server[r.server];
      const [x0, w] = span(r.from_ms, r.to_ms);
      const role = roleName(r.role);
      el('rect', { class: 'role role-' + role, x: x0, y: y + 1, width: w, height: ROLE_H - 2,
        'data-tip': 'S' + r.server + ' ' + role + ', term ' + opt(r.term) + '\n' + fmt(r.from_ms) + ' – ' + fmt(r.to_ms) }, s);
      if (w > 22 && r.term !== null) el('text', { class: 'term-label', x: x0 + 3, y: y + 14 }, s, 't' + r.term);
    }
    drawElections(s);
    drawSeries(s);
    for (const sn of D.snapshots) {
      if (!visible(sn.t, sn.t)) continue;
      const px = x(sn.t), y = rows.server[sn.server] + ROLE_H;
      el('path', { class: 'snapshot', d: 'M' + px + ' ' + (y - 5) + 'l4 5l-4 5l-4 -5z',
        'data-tip': 'S' + sn.server + ' snapshot ' + sn.how + ' through index ' + sn.index + ' at ' + fmt(sn.t) }, s);
    }
    if (document.getElementById('show-marks').checked) drawMarks(s);
  }

  function drawElections(g) {
    for (const e of D.elections) {
      if (!visible(e.from_ms, e.to_ms)) continue;
      const y = rows.server[e.server];
      const [x0, w] = span(e.from_ms, e.to_ms);
      const yes = e.votes.filter(v => v.granted).map(v => 'S' + v.voter);
      const no = e.votes.filter(v => !v.granted).map(v => 'S' + v.voter);
      const tip = 'election: S' + e.server + ' term ' + opt(e.term) + (e.won ? ' WON' : ' not won') + '\n' +
        fmt(e.from_ms) + ' – ' + fmt(e.to_ms) + '\ngranted: ' + (yes.join(' ') || '-') + '\nrefused: ' + (no.join(' ') || '-');
      el('rect', { class: 'election' + (e.won ? ' won' : ''), x: x0, y: y, width: Math.max(w, 2), height: ROLE_H, 'data-tip': tip }, g);
      for (const v of e.votes) {
        if (!visible(v.t, v.t)) continue;
        el('circle', { class: v.granted ? 'vote-yes' : 'vote-no', cx: x(v.t), cy: y + ROLE_H - 3, r: 2.5,
          'data-tip': 'S' + v.voter + (v.granted ? ' granted' : ' refused') + ' S' + e.server + "'s vote (term " + opt(e.term) + ') at ' + fmt(v.t) }, g);
      }
    }
  }

  // A step line over [from, to) (one incarnation's lane): each value holds
  // until the next point.
  function stepPath(points, y0, from, to) {
    const yOf = v => y0 + PLOT_H - v / maxIndex * (PLOT_H - 2);
    const a = Math.max(from, view.t0), b = Math.min(to, view.t1);
    if (a >= b) return null;
    let d = '';
    for (let k = 0; k < points.length; k++) {
      const [t, v] = points[k];
      if (t >= b) break;
      const next = k + 1 < points.length ? points[k + 1][0] : Infinity;
      const s0 = Math.max(t, a), e0 = Math.min(next, b);
      if (s0 >= e0) continue;
      const py = yOf(v);
      d += (d === '' ? 'M' : 'L') + x(s0) + ' ' + py + 'L' + x(e0) + ' ' + py;
    }
    return d || null;
  }

  function drawSeries(g) {
    for (const s of D.series) {
      const y0 = rows.server[s.server] + ROLE_H + 2;
      const tip = 'S' + s.server + ': commit index (green), last log index (blue, dashed), applied (orange); click for values';
      for (const lane of lanesBy[s.server]) {
        for (const [key, cls] of [['last_log', 'series-last'], ['applied', 'series-applied'], ['commit', 'series-commit']]) {
          const d = stepPath(s[key], y0, lane.from_ms, lane.to_ms);
          if (d) el('path', { class: cls, d: d, 'data-tip': tip }, g);
        }
      }
    }
  }

  function drawMarks(g) {
    const inView = D.marks.filter(m => visible(m.t, m.t));
    const every = Math.max(1, Math.ceil(inView.length / MAX_MARKS));
    for (let k = 0; k < inView.length; k += every) {
      const m = inView[k];
      const px = x(m.t), y = rows.server[m.server] + ROLE_H;
      el('line', { class: 'mark mark-' + m.topic, x1: px, x2: px, y1: y - 4, y2: y,
        'data-tip': 'S' + m.server + ' ' + m.topic + ' at ' + fmt(m.t) + '\n' + m.text }, g);
    }
  }

  // ---- RPC arrows ----
  function rpcClass(kind) {
    const k = kind.toLowerCase();
    return k.indexOf('vote') >= 0 ? 'rpc-vote' : k.indexOf('append') >= 0 ? 'rpc-append' : 'rpc-other';
  }
  function rowMid(i) { return rows.server[i] + ROLE_H / 2; }

  function drawRpcs(g) {
    if (!document.getElementById('show-rpcs').checked) return;
    const r = el('g', { id: 'rpcs' }, g);
    const inView = D.rpcs.filter(c => visible(c.sent_ms, c.ended_ms !== null ? c.ended_ms : (c.arrived_ms !== null ? c.arrived_ms : c.sent_ms)));
    if (inView.length > MAX_ARROWS) return drawBundles(r, inView);
    for (const c of inView) drawRpc(r, c);
  }

  function rpcTip(c) {
    const kind = D.kinds[c.kind];
    let tip = kind + ' #' + c.call + ' S' + c.from + ' → S' + c.to + '\nsent ' + fmt(c.sent_ms) +
      (c.arrived_ms !== null ? ', arrived ' + fmt(c.arrived_ms) : ', never arrived') +
      (c.ended_ms !== null ? ', ' + (c.end === 'replied' ? 'reply at ' : 'failed at ') + fmt(c.ended_ms) : ', still in flight') +
      (c.reason ? ' (' + c.reason + ')' : '') + '\n' + c.request;
    if (c.reply) tip += '\n→ ' + c.reply;
    return tip;
  }

  function drawRpc(g, c) {
    const cls = 'rpc ' + rpcClass(D.kinds[c.kind]);
    const tip = rpcTip(c);
    const x0 = x(c.sent_ms), y0 = rowMid(c.from);
    if (c.arrived_ms === null) {
      // Never arrived: a short stub towards the callee (the tip says when
      // and why it failed).
      const dy = rowMid(c.to) > y0 ? 9 : -9;
      el('path', { class: cls + ' rpc-failed', d: 'M' + x0 + ' ' + y0 + 'l4 ' + dy + 'm-3 -3l6 6m0 -6l-6 6', 'data-tip': tip, 'data-call': c.call }, g);
      return;
    }
    const x1 = x(c.arrived_ms), y1 = rowMid(c.to);
    el('path', { class: cls, d: 'M' + x0 + ' ' + y0 + 'L' + x1 + ' ' + y1, 'marker-end': 'url(#arrow)', 'data-tip': tip, 'data-call': c.call }, g);
    if (c.ended_ms !== null) {
      const failed = c.end !== 'replied';
      el('path', { class: cls + ' rpc-reply' + (failed ? ' rpc-failed' : ''), d: 'M' + x1 + ' ' + y1 + 'L' + x(c.ended_ms) + ' ' + (failed ? y0 + (y1 - y0) * 0.35 : y0),
        'data-tip': tip, 'data-call': c.call }, g);
    }
  }

  function drawBundles(g, list) {
    const buckets = new Map();
    const px = Math.max(6, view.width / 200);
    for (const c of list) {
      const key = c.from + '>' + c.to + '@' + Math.floor(x(c.sent_ms) / px);
      const b = buckets.get(key);
      if (b) { b.n++; b.failed += c.end === 'failed' ? 1 : 0; b.last = c; } else buckets.set(key, { n: 1, failed: c.end === 'failed' ? 1 : 0, first: c, last: c });
    }
    for (const b of buckets.values()) {
      const c = b.first;
      const arrive = c.arrived_ms !== null ? c.arrived_ms : c.sent_ms;
      el('path', { class: 'rpc rpc-bundle', 'stroke-width': Math.min(1 + Math.log2(b.n) / 2, 3),
        d: 'M' + x(c.sent_ms) + ' ' + rowMid(c.from) + 'L' + x(Math.max(arrive, c.sent_ms)) + ' ' + rowMid(c.to),
        'data-tip': b.n + ' RPCs S' + c.from + ' → S' + c.to + ' sent ' + fmt(b.first.sent_ms) + ' – ' + fmt(b.last.sent_ms) +
          ' (' + b.failed + ' failed); zoom in to see each' }, g);
    }
  }

  // ---- axis and cursor ----
  function drawAxis(g) {
    const a = el('g', { class: 'axis' }, g);
    const span = view.t1 - view.t0;
    const steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000];
    const step = steps.find(s => span / s <= view.width / 90) || 200000;
    for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      const px = x(t);
      el('line', { x1: px, x2: px, y1: 14, y2: rows.height }, a);
      el('text', { x: px + 2, y: 11 }, a, step >= 1000 ? (t / 1000) + 's' : fmt(t));
    }
  }

  function drawCursor(g) {
    if (view.cursor === null || !visible(view.cursor, view.cursor)) return;
    const px = x(view.cursor);
    el('line', { class: 'cursor', id: 'cursor-line', x1: px, x2: px, y1: 0, y2: rows.height }, g);
  }

  function defs() {
    const d = el('defs', {}, svg);
    const m = el('marker', { id: 'arrow', viewBox: '0 0 6 6', refX: 6, refY: 3, markerWidth: 5, markerHeight: 5, orient: 'auto' }, d);
    el('path', { d: 'M0 0L6 3L0 6z', fill: '#607d8b' }, m);
  }

  function render() {
    view.width = Math.max(svg.clientWidth || svg.parentNode.clientWidth - 92, 200);
    svg.setAttribute('height', rows.height);
    svg.setAttribute('viewBox', '0 0 ' + view.width + ' ' + rows.height);
    svg.textContent = '';
    defs();
    const g = el('g', {}, svg);
    drawAxis(g);
    drawSteps(g);
    drawNetwork(g);
    drawServers(g);
    drawRpcs(g);
    drawFailure(g);
    drawCursor(g);
    document.getElementById('readout').textContent = fmt(view.t0) + ' – ' + fmt(view.t1) +
      (view.cursor !== null ? '   cursor ' + fmt(view.cursor) : '');
  }

  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; render(); });
  }

  // ---- the time cursor's panel ----
  function showState(t) {
    view.cursor = t;
    const p = document.getElementById('state-panel');
    p.hidden = false;
    p.textContent = '';
    const h = document.createElement('h2');
    h.textContent = 'State at ' + fmt(t);
    p.appendChild(h);
    const table = document.createElement('table');
    table.id = 'state-table';
    const head = table.insertRow();
    for (const c of ['server', 'incarnation', 'up', 'connected', 'role', 'term', 'voted for', 'commit', 'applied', 'log']) {
      const th = document.createElement('th'); th.textContent = c; head.appendChild(th);
    }
    for (let i = 0; i < N; i++) {
      const s = lastAtOrBefore(statesBy[i], t, 't');
      const row = table.insertRow();
      row.className = 'server-state' + (s && s.up ? '' : ' down');
      row.dataset.server = i;
      const log = s && s.log_last !== null ? '[' + opt(s.log_first) + '..' + s.log_last + ']' : '?';
      const cells = s ? ['S' + i, s.incarnation, s.up ? 'yes' : 'down', !s.up ? '–' : s.connected ? 'yes' : 'no', roleName(s.role), opt(s.term),
        s.voted_for === null ? '-' : 'S' + s.voted_for, opt(s.commit), opt(s.applied), log] : ['S' + i, '-', 'not made', '-', '-', '-', '-', '-', '-', '-'];
      for (const c of cells) row.insertCell().textContent = String(c);
    }
    p.appendChild(table);
    p.appendChild(linkGrid(t));
    p.appendChild(inFlight(t));
    redraw();
  }

  function linkGrid(t) {
    const wrap = document.createElement('div');
    const cap = document.createElement('div');
    cap.textContent = 'links at the cursor (row can call column; – a server is down):';
    wrap.appendChild(cap);
    const table = document.createElement('table');
    table.className = 'grid';
    table.id = 'link-grid';
    const head = table.insertRow();
    head.insertCell();
    for (let j = 0; j < N; j++) head.insertCell().textContent = 'S' + j;
    for (let i = 0; i < N; i++) {
      const row = table.insertRow();
      row.insertCell().textContent = 'S' + i;
      for (let j = 0; j < N; j++) {
        row.insertCell().textContent = i === j ? '·' : !upAt(i, t) || !upAt(j, t) ? '–' : linksAt(i, j, t) ? '✓' : '✗';
      }
    }
    wrap.appendChild(table);
    return wrap;
  }

  function inFlight(t) {
    const d = document.createElement('div');
    const n = D.rpcs.filter(c => c.sent_ms <= t && (c.ended_ms === null || c.ended_ms > t)).length;
    const steps = D.steps.filter(s => s.from_ms <= t && t <= s.to_ms && s.to_ms > s.from_ms).map(s => s.label);
    d.textContent = n + ' RPCs in flight' + (steps.length ? '; tester: ' + steps.join('; ') : '');
    return d;
  }

  // ---- zoom, pan, click, hover ----
  function zoom(factor, atPx) {
    const at = tAt(atPx === undefined ? view.width / 2 : atPx);
    let span = (view.t1 - view.t0) * factor;
    span = Math.max(5, Math.min(span, END * 1.05));
    const frac = (at - view.t0) / (view.t1 - view.t0);
    view.t0 = at - frac * span;
    view.t1 = view.t0 + span;
    clampView();
    redraw();
  }
  function clampView() {
    const span = view.t1 - view.t0;
    if (view.t0 < 0) { view.t0 = 0; view.t1 = span; }
    if (view.t1 > END) { view.t1 = END; view.t0 = Math.max(0, END - span); }
  }
  function pan(dt) { view.t0 += dt; view.t1 += dt; clampView(); redraw(); }
  function zoomToFailure() {
    if (!D.failure) return;
    const t = D.failure.t, w = Math.min(4000, END);
    view.t0 = t - w * 0.75; view.t1 = view.t0 + w; clampView();
    showState(t);
  }

  let drag = null;
  svg.addEventListener('mousedown', e => { drag = { x: e.clientX, t0: view.t0, t1: view.t1, moved: false }; });
  window.addEventListener('mousemove', e => {
    if (drag) {
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (drag.moved) {
        const dt = -dx / view.width * (drag.t1 - drag.t0);
        view.t0 = drag.t0 + dt; view.t1 = drag.t1 + dt; clampView(); redraw();
      }
    }
    const target = e.target.closest ? e.target.closest('[data-tip]') : null;
    if (target && svg.contains(target) && !(drag && drag.moved)) {
      tooltip.hidden = false;
      tooltip.textContent = target.getAttribute('data-tip');
      const left = Math.min(e.clientX + 12, window.innerWidth - tooltip.offsetWidth - 8);
      tooltip.style.left = Math.max(0, left) + 'px';
      tooltip.style.top = (e.clientY + 14) + 'px';
    } else {
      tooltip.hidden = true;
    }
  });
  window.addEventListener('mouseup', e => {
    if (drag && !drag.moved && svg.contains(e.target)) {
      const rect = svg.getBoundingClientRect();
      showState(Math.max(0, Math.min(END, Math.round(tAt(e.clientX - rect.left)))));
    }
    drag = null;
  });
  svg.addEventListener('wheel', e => {
    e.preventDefault();
    const rect = svg.getBoundingClientRect();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      pan((e.deltaX || e.deltaY) / view.width * (view.t1 - view.t0));
    } else {
      zoom(e.deltaY > 0 ? 1.25 : 0.8, e.clientX - rect.left);
    }
  }, { passive: false });
  window.addEventListener('keydown', e => {
    const span = view.t1 - view.t0;
    if (e.key === '+' || e.key === '=') zoom(0.7);
    else if (e.key === '-') zoom(1.4);
    else if (e.key === '0') { view.t0 = 0; view.t1 = END; redraw(); }
    else if (e.key === 'f') zoomToFailure();
    else if (e.key === 'ArrowLeft') pan(-span / 5);
    else if (e.key === 'ArrowRight') pan(span / 5);
  });
  document.getElementById('zoom-in').addEventListener('click', () => zoom(0.6));
  document.getElementById('zoom-out').addEventListener('click', () => zoom(1.6));
  document.getElementById('zoom-fit').addEventListener('click', () => { view.t0 = 0; view.t1 = END; redraw(); });
  const failureButton = document.getElementById('zoom-failure');
  if (D.failure) failureButton.addEventListener('click', zoomToFailure); else failureButton.disabled = true;
  document.getElementById('show-rpcs').addEventListener('change', redraw);
  document.getElementById('show-marks').addEventListener('change', redraw);
  window.addEventListener('resize', redraw);

  drawHeader();
  drawLabels();
  render();
  // How long the first drawing took: from the start of this script, and
  // from the start of the navigation (parsing the page included).
  document.body.dataset.scriptMs = String(Math.round(performance.now() - SCRIPT_START_MS));
  document.body.dataset.pageMs = String(Math.round(performance.now()));
  document.body.dataset.ready = 'true';
})();
