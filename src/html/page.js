// demarche report: draws the data embedded in this page with D3. Nothing is fetched.
(function () {
  'use strict';
  const started = performance.now();
  const D = JSON.parse(document.getElementById('demarche-data').textContent);
  const parsedAt = performance.now();
  const B = D.branch;
  const EV = D.events;
  const NE = EV.id.length;
  const NM = D.missions.length;
  const DAY = 86400000;
  const toDate = (d) => new Date(d * DAY);
  const toDay = (t) => Math.floor(+t / DAY);
  const fmt = d3.utcFormat('%Y-%m-%d');
  const fmtDay = (d) => fmt(toDate(d));
  const STATUS = D.statuses;
  const FAM = D.kinds.map((k) => k.family);
  const KIND = D.kinds.map((k) => k.key);
  const TAGS = ['', 'struck', 'drafted', 'edited', 'inserted', 'rejected'];
  const TAG_WORDS = ['', 'no longer happens', 'drafted by a policy', 'edited by the branch', 'inserted by the branch', 'drafted, rejected'];
  const LABEL_W = 230;
  const LH = B ? 104 : 86;
  const mid = (d) => x(toDate(d)) + (x(toDate(d + 1)) - x(toDate(d))) / 2;
  const css = getComputedStyle(document.documentElement);
  const famColor = (f) => css.getPropertyValue('--fam-' + f).trim() || '#888';
  const statusColor = (s) => css.getPropertyValue('--st-' + STATUS[s]).trim() || '#999';
  const esc = (s) => String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const actor = (a) => D.actors[a];
  const mission = (m) => (m >= 0 && m < NM ? D.missions[m].key : 'no mission');

  // ---- Indexes: per lane, events, effects and departures sorted by day.
  const OTHER = NM; // lane of events that touch no mission
  const laneOf = (l) => (l < 0 ? OTHER : l);
  const byDay = (arr, days) => arr.sort((a, b) => days[a] - days[b] || a - b);
  const laneEvents = Array.from({ length: NM + 1 }, () => []);
  for (let i = 0; i < NE; i++) laneEvents[laneOf(EV.lane[i])].push(i);
  laneEvents.forEach((a) => byDay(a, EV.day));
  function indexSide(side) {
    const eff = Array.from({ length: NM + 1 }, () => []);
    const E = side.effects;
    for (let k = 0; k < E.day.length; k++) eff[laneOf(E.lane[k])].push(k);
    eff.forEach((a) => byDay(a, E.day));
    const lv = Array.from({ length: NM + 1 }, () => []);
    const L = side.leaving;
    for (let k = 0; k < L.day.length; k++) lv[L.mission[k]].push(k);
    const effOfEvent = new Map();
    for (let k = 0; k < E.day.length; k++) {
      const e = E.event[k];
      if (!effOfEvent.has(e)) effOfEvent.set(e, []);
      effOfEvent.get(e).push(k);
    }
    return { side, eff, lv, effOfEvent };
  }
  const SIDES = [indexSide(D.base)];
  if (B) SIDES.push(indexSide(B.side));
  const hasOther = laneEvents[OTHER].length > 0;
  const allLanes = d3.range(NM).concat(hasOther ? [OTHER] : []);
  let lanes = allLanes.slice();

  // The first index whose day is >= d (lo) in a sorted list of indices.
  function lowerBound(idx, days, d) {
    let lo = 0, hi = idx.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (days[idx[mid]] < d) lo = mid + 1; else hi = mid; }
    return lo;
  }
  // The last sample of a series on or before day d (0 before the first).
  function sampleAt(days, d) {
    let lo = 0, hi = days.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (days[mid] <= d) lo = mid + 1; else hi = mid; }
    return Math.max(0, lo - 1);
  }
  function factsAt(series, d) {
    if (!series || series.day.length === 0) return null;
    const k = sampleAt(series.day, d);
    return { status: series.status[k], headcount: series.headcount[k], cap: series.cap[k], vacant: series.vacant[k], leaving: series.leaving[k] };
  }

  // ---- Header, branch summary, legend.
  const head = d3.select('#head');
  head.append('h1').text(D.title);
  const spanText = `${fmtDay(D.start)} to ${fmtDay(D.end)}`;
  head.append('div').attr('class', 'meta').text(`${D.file} · ${NE.toLocaleString('en')} events · ${NM.toLocaleString('en')} missions · ${spanText}`);
  if (D.summary) head.append('p').attr('class', 'summary').text(D.summary);
  d3.select('#foot').text(`Made by ${D.generator} from ${D.file}. Base state digest ${D.base.digest}` + (B ? `, branch ${B.side.digest}.` : '.'));

  if (B) {
    const bs = d3.select('#branch-section').attr('hidden', null);
    bs.append('h2').text('What if: ' + B.title);
    const f = B.fork;
    bs.append('p').attr('id', 'fork-text').text(f
      ? `The branch diverges on ${fmtDay(f.day)} at ${f.id}; the ${f.shared} recorded events before it replay as recorded. ${B.struck} recorded events no longer happen (struck through), ${B.drafted} were drafted by response policies (diamonds).`
      : 'The branch does not diverge: every recorded event replays as recorded.');
    if (B.edits.length) {
      bs.append('div').text('Edits:');
      bs.append('ul').selectAll('li').data(B.edits).join('li').text((d) => d);
    }
    const extra = [];
    if (B.answers_after_end) extra.push(`${B.answers_after_end} answer(s) would come after the branch's last day`);
    if (B.truncated) extra.push('the policies stopped drafting at their limit');
    extra.push(`seed ${B.seed}`);
    bs.append('p').attr('class', 'explain').text(extra.join('; ') + '.');
  }

  function legend() {
    const lg = d3.select('#legend');
    const g1 = lg.append('div').attr('class', 'group');
    g1.append('b').text('Status');
    STATUS.forEach((s, i) => { const it = g1.append('span'); it.append('span').attr('class', 'chip').style('background', statusColor(i)); it.append('span').text(s); });
    const g2 = lg.append('div').attr('class', 'group');
    g2.append('b').text('Events');
    D.families.forEach(([f, label]) => { const it = g2.append('span').attr('title', D.kinds.filter((k) => k.family === f).map((k) => k.key).join(', ')); it.append('span').attr('class', 'chip').style('background', famColor(f)).style('border-radius', '50%'); it.append('span').text(label); });
    const g3 = lg.append('div').attr('class', 'group');
    g3.append('b').text('Lines');
    const line = (cls, dash, text) => {
      const it = g3.append('span');
      const s = it.append('svg').attr('width', 22).attr('height', 10);
      s.append('line').attr('x1', 1).attr('x2', 21).attr('y1', 5).attr('y2', 5).attr('class', cls).attr('stroke-dasharray', dash ? '4 3' : null).style('stroke-width', 2);
      it.append('span').text(' ' + text);
    };
    if (B) { line('hc base', false, 'in post, recorded'); line('hc branch', false, 'in post, branch'); line('cap base', true, 'cap, recorded'); line('cap branch', true, 'cap, branch'); }
    else { line('hc single', false, 'staff in post'); line('cap single', true, 'cap'); }
    g3.append('span').text('├─┤ staff leaving, to their deadline');
    g3.append('span').text('→ answers');
    if (B) {
      const g4 = lg.append('div').attr('class', 'group');
      g4.append('b').text('Branch');
      g4.append('span').text('● recorded, in both');
      g4.append('span').html('<s>●</s> recorded, no longer happens');
      g4.append('span').text('◆ drafted by a policy');
      g4.append('span').text('■ edited or inserted');
      g4.append('span').text('upper strip: recorded status, lower strip: branch');
    }
  }
  legend();

  // ---- Geometry and scales.
  const scroller = document.getElementById('lanes-scroll');
  const spacer = d3.select('#lanes-spacer');
  const svg = d3.select('#lanes');
  const axisDiv = d3.select('#axis');
  const x0 = d3.scaleUtc().domain([toDate(D.start), toDate(D.end + 1)]);
  let view = x0.domain().slice();
  let width = 800;
  let W = 500;
  const x = d3.scaleUtc();
  let picked = D.end;
  let printing = false;
  const symCircle = d3.symbol(d3.symbolCircle, 78)();
  const symDiamond = d3.symbol(d3.symbolDiamond, 95)();
  const symSquare = d3.symbol(d3.symbolSquare, 70)();

  function measure() {
    width = Math.max(520, document.getElementById('timeline').clientWidth - 2);
    W = width - LABEL_W - 12;
    x0.range([LABEL_W, LABEL_W + W]);
    x.domain(view).range([LABEL_W, LABEL_W + W]);
  }

  // ---- Overview with a brush to choose the period.
  const ov = d3.select('#overview');
  let brush, ovG;
  function drawOverview() {
    ov.selectAll('*').remove();
    const h = 34;
    const s = ov.append('svg').attr('width', width).attr('height', h);
    const bins = d3.bin().value((i) => EV.day[i]).domain([D.start, D.end + 1]).thresholds(d3.range(D.start, D.end + 1, Math.max(1, Math.ceil((D.end - D.start + 1) / 300))))(d3.range(NE));
    const y = d3.scaleSqrt().domain([0, d3.max(bins, (b) => b.length) || 1]).range([0, h - 6]);
    s.append('g').selectAll('rect').data(bins).join('rect').attr('class', 'bar')
      .attr('x', (b) => x0(toDate(b.x0))).attr('width', (b) => Math.max(1, x0(toDate(b.x1)) - x0(toDate(b.x0)) - 0.5))
      .attr('y', (b) => h - y(b.length)).attr('height', (b) => y(b.length));
    s.append('text').attr('x', 6).attr('y', 20).attr('class', 'ylabel').text('events over the whole span');
    brush = d3.brushX().extent([[LABEL_W, 0], [LABEL_W + W, h]]).on('brush end', (ev) => {
      if (!ev.sourceEvent) return;
      view = ev.selection ? ev.selection.map(x0.invert) : x0.domain().slice();
      schedule();
    });
    ovG = s.append('g').call(brush);
    s.on('dblclick', () => setView(x0.domain()));
    syncBrush();
  }
  function syncBrush() {
    if (!ovG) return;
    const full = +view[0] <= +x0.domain()[0] && +view[1] >= +x0.domain()[1];
    ovG.call(brush.move, full ? null : view.map(x0));
  }
  function setView(v) {
    const lo = Math.max(+x0.domain()[0], +v[0]);
    const hi = Math.min(+x0.domain()[1], +v[1]);
    view = [new Date(lo), new Date(Math.max(hi, lo + DAY))];
    syncBrush();
    schedule();
  }

  // ---- Axis: ticks, the picked day, the fork; click to pick a day.
  function drawAxis() {
    axisDiv.selectAll('*').remove();
    const h = 34;
    const s = axisDiv.append('svg').attr('width', width).attr('height', h).attr('id', 'axis-svg')
      .attr('data-t0', toDay(view[0])).attr('data-t1', toDay(view[1])).attr('data-x0', LABEL_W).attr('data-x1', LABEL_W + W);
    s.append('g').attr('class', 'axis').attr('transform', `translate(0,${h - 4})`).call(d3.axisTop(x).ticks(Math.max(2, Math.floor(W / 95))).tickSizeOuter(0));
    s.append('text').attr('x', 8).attr('y', 14).attr('class', 'pick-label').text('Mission');
    s.append('text').attr('x', 8).attr('y', 27).attr('class', 'ylabel').text('click a day for its state');
    if (B && B.fork) {
      const fx = x(toDate(B.fork.day));
      if (fx >= LABEL_W && fx <= LABEL_W + W) {
        s.append('line').attr('class', 'fork-line').attr('x1', fx).attr('x2', fx).attr('y1', 0).attr('y2', h);
        s.append('text').attr('class', 'fork-label').attr('x', fx + 4).attr('y', 11).text('fork: ' + B.fork.id);
      }
    }
    const px = mid(picked);
    if (px >= LABEL_W && px <= LABEL_W + W) {
      s.append('line').attr('class', 'pick-line').attr('x1', px).attr('x2', px).attr('y1', 0).attr('y2', h);
    }
    const hover = s.append('line').attr('class', 'hover-line').attr('y1', 0).attr('y2', h).style('display', 'none');
    s.on('mousemove', (ev) => {
      const [mx] = d3.pointer(ev);
      if (mx < LABEL_W) { hover.style('display', 'none'); return; }
      hover.style('display', null).attr('x1', mx).attr('x2', mx);
      s.attr('title', fmt(x.invert(mx)));
    }).on('mouseleave', () => hover.style('display', 'none'))
      .on('click', (ev) => { const [mx] = d3.pointer(ev); if (mx >= LABEL_W) pick(toDay(x.invert(mx))); });
  }

  // ---- Lanes, drawn only for the rows in view.
  let frame = 0;
  function schedule() { if (!frame) frame = requestAnimationFrame(() => { frame = 0; render(); }); }

  function laneLabel(g, l, y) {
    const t = g.append('g').attr('class', 'lane-label').attr('transform', `translate(8,${y})`);
    if (l === OTHER) {
      t.append('text').attr('class', 'key').attr('y', 16).text('no mission');
      t.append('text').attr('class', 'sub').attr('y', 31).text('events between actors only');
      return;
    }
    const m = D.missions[l];
    const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
    t.append('text').attr('class', 'key').attr('y', 16).text(clip(m.key, 30)).append('title').text(m.name);
    t.append('text').attr('class', 'sub').attr('y', 31).text(clip(`${actor(m.sender)} → ${actor(m.receiver)}`, 36));
    t.append('text').attr('class', 'sub').attr('y', 45).text(clip(m.kind + (m.city ? ', ' + m.city : ''), 36));
    if (B) {
      t.append('text').attr('class', 'side').attr('x', LABEL_W - 58).attr('y', LH - 17).text('recorded');
      t.append('text').attr('class', 'side').attr('x', LABEL_W - 58).attr('y', LH - 7).text('branch');
    }
  }

  function clampX(t) { return Math.max(LABEL_W, Math.min(LABEL_W + W, t)); }

  // Status strip and step lines of one run in a lane.
  function drawSeries(g, l, y, S, cls, stripY, stripH) {
    if (l === OTHER) return;
    const s = S.side.series[l];
    const d0 = toDay(view[0]), d1 = toDay(view[1]);
    let k0 = sampleAt(s.day, d0);
    let k1 = k0;
    while (k1 < s.day.length && s.day[k1] <= d1) k1++;
    // Segments of one status, merged, clipped to the view.
    const segs = [];
    for (let k = k0; k < k1; k++) {
      const a = Math.max(s.day[k], d0), b = k + 1 < s.day.length ? Math.min(s.day[k + 1], d1 + 1) : d1 + 1;
      const last = segs[segs.length - 1];
      if (last && last.s === s.status[k] && last.b === a) last.b = b; else segs.push({ s: s.status[k], a, b });
    }
    const band = g.append('g');
    for (const sg of segs) {
      const xa = clampX(x(toDate(sg.a))), xb = clampX(x(toDate(sg.b)));
      if (xb - xa < 0.3) continue;
      band.append('rect').attr('class', 'band status-' + STATUS[sg.s]).attr('x', xa).attr('width', xb - xa)
        .attr('y', y + stripY).attr('height', stripH).attr('fill', statusColor(sg.s))
        .append('title').text(`${STATUS[sg.s]} from ${fmtDay(Math.max(sg.a, D.start))}`);
      if (cls !== 'base' && sg.s !== 1) {
        g.append('rect').attr('class', 'tint').attr('x', xa).attr('width', xb - xa).attr('y', y + 2).attr('height', LH - 4)
          .attr('fill', statusColor(sg.s)).attr('fill-opacity', 0.07);
      }
    }
    // Step lines: staff in post and the cap.
    const top = viewMax(l);
    const ys = d3.scaleLinear().domain([0, top]).range([y + LH - (B ? 40 : 24), y + 46]);
    const ptsH = [], ptsC = [];
    const step = Math.max(1, Math.floor((k1 - k0) / (W * 2)));
    for (let k = k0; k < k1; k += step) {
      const t = toDate(Math.max(s.day[k], d0));
      ptsH.push([t, s.headcount[k]]);
      ptsC.push([t, s.cap[k]]);
    }
    const kl = Math.max(k0, k1 - 1);
    ptsH.push([view[1], s.headcount[kl]]);
    ptsC.push([view[1], s.cap[kl]]);
    const line = d3.line().x((p) => x(p[0])).y((p) => ys(p[1])).curve(d3.curveStepAfter);
    g.append('path').attr('class', 'hc ' + cls).attr('d', line(ptsH));
    g.append('path').attr('class', 'cap ' + cls).attr('d', line.defined((p) => p[1] >= 0)(ptsC));
    if (cls !== 'branch') g.append('text').attr('class', 'ylabel').attr('x', LABEL_W + 2).attr('y', y + 44).text(top);
    return ys;
  }

  // The largest staff count or cap of a lane in the period drawn, over both runs.
  function viewMax(l) {
    const d0 = toDay(view[0]), d1 = toDay(view[1]);
    let mx = 1;
    for (const S of SIDES) {
      const s = S.side.series[l];
      for (let k = sampleAt(s.day, d0); k < s.day.length && s.day[k] <= d1; k++) mx = Math.max(mx, s.headcount[k] + s.leaving[k], s.cap[k]);
    }
    return mx;
  }

  function drawLeaving(g, l, y, S, cls, ly) {
    if (l === OTHER) return;
    const L = S.side.leaving;
    const d0 = toDay(view[0]), d1 = toDay(view[1]);
    for (const k of S.lv[l]) {
      if (L.deadline[k] < d0 || L.day[k] > d1) continue;
      const xa = clampX(x(toDate(L.day[k]))), xb = clampX(x(toDate(L.deadline[k] + 1)));
      const gg = g.append('g').attr('class', 'leaving ' + cls).attr('data-k', k).attr('data-side', SIDES.indexOf(S));
      const yy = y + ly;
      gg.append('line').attr('x1', xa).attr('x2', xb).attr('y1', yy).attr('y2', yy);
      gg.append('line').attr('x1', xa).attr('x2', xa).attr('y1', yy - 3).attr('y2', yy + 3);
      gg.append('line').attr('x1', xb).attr('x2', xb).attr('y1', yy - 3).attr('y2', yy + 3);
      gg.append('text').attr('x', xa + 3).attr('y', yy - 3).text('−' + L.count[k]);
      gg.append('rect').attr('x', xa).attr('y', yy - 10).attr('width', Math.max(6, xb - xa)).attr('height', 14).attr('fill', 'transparent');
    }
  }

  function drawEffects(g, l, y, S, stripY) {
    const E = S.side.effects;
    const idx = S.eff[l];
    const d0 = toDay(view[0]), d1 = toDay(view[1]);
    const a = lowerBound(idx, E.day, d0), b = lowerBound(idx, E.day, d1 + 1);
    if (b - a > W / 3) return;
    const side = SIDES.indexOf(S);
    for (let j = a; j < b; j++) {
      const k = idx[j];
      const ex = mid(E.day[k]);
      g.append('path').attr('class', 'effect').attr('data-k', k).attr('data-side', side)
        .attr('d', d3.symbol(d3.symbolTriangle, 38)()).attr('transform', `translate(${ex},${y + stripY + 3}) rotate(180)`)
        .attr('fill', famColor(FAM[EV.kind[E.event[k]]]));
    }
  }

  // Event marks: one row per overlap, or density bins when too many to tell apart.
  function drawMarks(g, l, y, pos) {
    const idx = laneEvents[l];
    const d0 = toDay(view[0]), d1 = toDay(view[1]);
    const a = lowerBound(idx, EV.day, d0), b = lowerBound(idx, EV.day, d1 + 1);
    const n = b - a;
    if (n === 0) return 0;
    const rowsY = [11, 23, 35];
    if (n > W / 5) {
      const bw = 4;
      const bins = new Map();
      for (let j = a; j < b; j++) {
        const i = idx[j];
        const bx = Math.floor((x(toDate(EV.day[i])) - LABEL_W) / bw);
        let bin = bins.get(bx);
        if (!bin) { bin = { n: 0, fam: {}, d0: EV.day[i], d1: EV.day[i] }; bins.set(bx, bin); }
        bin.n++; bin.d1 = EV.day[i];
        const f = FAM[EV.kind[i]];
        bin.fam[f] = (bin.fam[f] || 0) + 1;
      }
      const mx = d3.max(bins.values(), (v) => v.n);
      const hs = d3.scaleLog().domain([1, Math.max(2, mx)]).range([4, 34]);
      for (const [bx, bin] of bins) {
        const top = Object.entries(bin.fam).sort((p, q) => q[1] - p[1])[0][0];
        const h = hs(bin.n);
        g.append('rect').attr('class', 'bin').attr('data-d0', bin.d0).attr('data-d1', bin.d1).attr('data-n', bin.n)
          .attr('x', LABEL_W + bx * bw).attr('width', bw - 0.5).attr('y', y + 40 - h).attr('height', h)
          .attr('fill', famColor(top));
      }
      return n;
    }
    const last = rowsY.map(() => -Infinity);
    for (let j = a; j < b; j++) {
      const i = idx[j];
      const ex = mid(EV.day[i]);
      let r = last.findIndex((lx) => ex - lx >= 11);
      let ex2 = ex;
      if (r < 0) { r = last.indexOf(Math.min(...last)); ex2 = last[r] + 11; }
      last[r] = ex2;
      const ey = y + rowsY[r];
      const exd = ex2;
      const t = EV.tag[i];
      const shape = t === 2 || t === 5 ? symDiamond : t === 3 || t === 4 ? symSquare : symCircle;
      const mk = g.append('g').attr('class', 'mark ' + TAGS[t] + ' fam-' + FAM[EV.kind[i]])
        .attr('data-event', EV.id[i]).attr('data-i', i).attr('tabindex', 0)
        .attr('transform', `translate(${exd},${ey})`).attr('role', 'button')
        .attr('aria-label', `${KIND[EV.kind[i]]} ${EV.id[i]} on ${fmtDay(EV.day[i])}`);
      mk.style('color', famColor(FAM[EV.kind[i]]));
      mk.append('path').attr('d', shape).attr('fill', famColor(FAM[EV.kind[i]]));
      if (t === 1) mk.append('line').attr('class', 'strike').attr('x1', -7).attr('x2', 7).attr('y1', 0).attr('y2', 0);
      pos.set(i, [exd, ey]);
    }
    return n;
  }

  function render() {
    const t0 = performance.now();
    if (printing) measure();
    x.domain(view);
    drawAxis();
    const top = scroller.scrollTop;
    const vh = printing ? lanes.length * LH : scroller.clientHeight || 600;
    const first = printing ? 0 : Math.max(0, Math.floor(top / LH) - 2);
    const last = printing ? lanes.length : Math.min(lanes.length, Math.ceil((top + vh) / LH) + 2);
    spacer.style('height', lanes.length * LH + 'px').style('width', width + 'px');
    svg.attr('width', width).attr('height', Math.max(0, (last - first) * LH)).style('top', first * LH + 'px');
    svg.selectAll('*').remove();
    const defs = svg.append('defs');
    defs.append('marker').attr('id', 'arrowhead').attr('viewBox', '0 0 8 8').attr('refX', 7).attr('refY', 4)
      .attr('markerWidth', 7).attr('markerHeight', 7).attr('orient', 'auto')
      .append('path').attr('d', 'M0,0L8,4L0,8z').attr('fill', '#555');
    defs.append('clipPath').attr('id', 'chart-clip').append('rect').attr('x', LABEL_W - 8).attr('y', 0).attr('width', W + 16).attr('height', (last - first) * LH);
    const pos = new Map();
    let drawn = 0;
    const gl = svg.append('g').attr('class', 'lanes');
    for (let r = first; r < last; r++) {
      const l = lanes[r];
      const y = (r - first) * LH;
      const g = gl.append('g').attr('class', 'lane').attr('data-mission', l === OTHER ? '' : D.missions[l].key).attr('data-lane', l);
      g.append('rect').attr('class', 'lane-bg hit' + (r % 2 ? ' odd' : '')).attr('x', 0).attr('y', y).attr('width', width).attr('height', LH);
      const c = g.append('g').attr('clip-path', 'url(#chart-clip)');
      if (B) {
        if (B.fork) {
          const fx = x(toDate(B.fork.day));
          if (fx < LABEL_W + W) c.append('rect').attr('class', 'after-fork').attr('x', Math.max(LABEL_W, fx)).attr('width', LABEL_W + W - Math.max(LABEL_W, fx)).attr('y', y).attr('height', LH);
        }
        drawSeries(c, l, y, SIDES[0], 'base', LH - 24, 7);
        drawSeries(c, l, y, SIDES[1], 'branch', LH - 14, 7);
        drawLeaving(c, l, y, SIDES[0], 'base', LH - 34);
        drawLeaving(c, l, y, SIDES[1], 'branch', LH - 28);
        drawEffects(c, l, y, SIDES[0], LH - 24);
        drawEffects(c, l, y, SIDES[1], LH - 14);
      } else {
        drawSeries(c, l, y, SIDES[0], 'single', LH - 12, 8);
        drawLeaving(c, l, y, SIDES[0], 'single', LH - 17);
        drawEffects(c, l, y, SIDES[0], LH - 12);
      }
      drawn += drawMarks(c, l, y, pos);
      laneLabel(g, l, y);
      g.append('line').attr('class', 'lane-sep').attr('x1', 0).attr('x2', width).attr('y1', y + LH - 0.5).attr('y2', y + LH - 0.5);
    }
    // Answers: arrows between marks drawn, when few enough to follow.
    const ga = svg.append('g').attr('class', 'arrows').attr('clip-path', 'url(#chart-clip)');
    let arrows = 0;
    if (pos.size <= 3000) {
      for (const [i, [tx, ty]] of pos) {
        for (const r of EV.refs[i]) {
          const p = pos.get(r);
          if (!p) continue;
          const [sx, sy] = p;
          const dx = tx - sx, dy = ty - sy;
          const len = Math.hypot(dx, dy) || 1;
          const ex = tx - (dx / len) * 6, ey = ty - (dy / len) * 6;
          const bend = Math.min(40, Math.max(12, Math.abs(dx) / 3));
          ga.append('path').attr('class', 'arrow').attr('data-from', EV.id[r]).attr('data-to', EV.id[i])
            .attr('d', `M${sx},${sy}C${sx + bend * 0.4},${sy + bend * 0.7}, ${ex - bend * 0.4},${ey + bend * 0.7}, ${ex},${ey}`)
            .attr('marker-end', 'url(#arrowhead)');
          arrows++;
        }
      }
    }
    // Fork and picked day across the lanes.
    const over = svg.append('g').attr('clip-path', 'url(#chart-clip)');
    if (B && B.fork) {
      const fx = x(toDate(B.fork.day));
      over.append('line').attr('class', 'fork-line').attr('x1', fx).attr('x2', fx).attr('y1', 0).attr('y2', (last - first) * LH);
    }
    const px = mid(picked);
    over.append('line').attr('class', 'pick-line').attr('x1', px).attr('x2', px).attr('y1', 0).attr('y2', (last - first) * LH);
    const note = [];
    note.push(`${lanes.length.toLocaleString('en')} of ${allLanes.length.toLocaleString('en')} lanes`);
    note.push(`${fmt(view[0])} to ${fmt(new Date(+view[1] - DAY))}`);
    if (pos.size > 3000) note.push('answer arrows hidden: choose a shorter period');
    d3.select('#view-note').text(note.join(' · '));
    svg.attr('data-marks', pos.size).attr('data-arrows', arrows).attr('data-events-in-view', drawn);
    if (window.demarcheReport) window.demarcheReport.renderMs = performance.now() - t0;
  }

  // ---- Hover card.
  const card = d3.select('#card');
  let pinned = false;
  function linkify(text) {
    const re = /https?:\/\/[^\s,;)<>"]+/g;
    let out = '', at = 0, m;
    while ((m = re.exec(text))) {
      out += esc(text.slice(at, m.index)) + `<a href="${esc(m[0])}" target="_blank" rel="noopener noreferrer">${esc(m[0])}</a>`;
      at = m.index + m[0].length;
    }
    return out + esc(text.slice(at));
  }
  function list(items) { return items.length ? '<ul>' + items.map((c) => `<li>${esc(c)}</li>`).join('') + '</ul>' : ''; }
  function eventCard(i) {
    const t = EV.tag[i];
    const fam = FAM[EV.kind[i]];
    let h = `<button class="close" type="button" aria-label="Close">×</button>`;
    h += `<div class="card-head"><span class="chip" style="background:${famColor(fam)}"></span><span class="kind">${esc(KIND[EV.kind[i]])}</span>`;
    if (t) h += `<span class="tag ${TAGS[t]}">${esc(TAG_WORDS[t])}</span>`;
    h += `</div><div class="card-id">${esc(EV.id[i])} · ${fmtDay(EV.day[i])}</div>`;
    const targets = EV.targets[i].map(actor);
    h += `<div class="actor">${esc(actor(EV.actor[i]))}${targets.length ? ' → ' + esc(targets.join(', ')) : ''}</div>`;
    if (EV.notified[i] != null) h += `<div>notified ${fmtDay(EV.notified[i])}</div>`;
    if (EV.note[i]) h += `<div class="note">${esc(EV.note[i])}</div>`;
    h += `<h4>${B && EV.side[i] === 2 ? 'In the branch' : 'What it did'}</h4>` + list(EV.changes[i]);
    if (EV.branch_changes[i]) h += '<h4>In the branch instead</h4>' + list(EV.branch_changes[i]);
    SIDES.forEach((S, si) => {
      const effs = S.effOfEvent.get(i);
      if (!effs) return;
      const lines = [];
      for (const k of effs) for (const c of S.side.effects.changes[k]) lines.push(`${fmtDay(S.side.effects.day[k])}: ${c}`);
      if (si === 1 && EV.side[i] === 0 && JSON.stringify(lines) === JSON.stringify(cardEffects(0, i))) return;
      h += `<h4>Later${B ? (si ? ', in the branch' : ', as recorded') : ''}</h4>` + list(lines);
    });
    if (EV.refs[i].length) h += `<div>answers ${esc(EV.refs[i].map((r) => EV.id[r]).join(', '))}</div>`;
    if (EV.summary[i]) h += `<div class="summary">${esc(EV.summary[i])}</div>`;
    if (EV.source[i]) h += `<div class="source">Source: ${linkify(EV.source[i])}</div>`;
    return h;
  }
  function cardEffects(si, i) {
    const S = SIDES[si];
    const effs = S.effOfEvent.get(i) || [];
    const lines = [];
    for (const k of effs) for (const c of S.side.effects.changes[k]) lines.push(`${fmtDay(S.side.effects.day[k])}: ${c}`);
    return lines;
  }
  function effectCard(si, k) {
    const E = SIDES[si].side.effects;
    const i = E.event[k];
    return `<div class="card-head">effect of ${esc(EV.id[i])}</div><div class="card-id">${fmtDay(E.day[k])}${B ? (si ? ' · branch' : ' · recorded') : ''} · scheduled by a ${esc(KIND[EV.kind[i]])} of ${fmtDay(EV.day[i])}</div>` + list(E.changes[k]);
  }
  function leavingCard(si, k) {
    const L = SIDES[si].side.leaving;
    return `<div class="card-head">${L.count[k]} staff leaving ${esc(mission(L.mission[k]))}</div><div class="card-id">${B ? (si ? 'branch · ' : 'recorded · ') : ''}from ${fmtDay(L.day[k])}, must leave by ${fmtDay(L.deadline[k])}</div><div>because of ${esc(EV.id[L.event[k]])} (${esc(KIND[EV.kind[L.event[k]]])})</div>`;
  }
  function showCard(html, ev, pin) {
    card.html(html).attr('hidden', null).classed('pinned', !!pin);
    const node = card.node();
    const r = node.getBoundingClientRect();
    let cx = ev.clientX + 14, cy = ev.clientY + 14;
    if (cx + r.width > window.innerWidth - 8) cx = Math.max(8, ev.clientX - r.width - 14);
    if (cy + r.height > window.innerHeight - 8) cy = Math.max(8, ev.clientY - r.height - 14);
    card.style('left', cx + 'px').style('top', cy + 'px');
    card.select('.close').on('click', () => { pinned = false; card.attr('hidden', true); });
  }
  function cardFor(target) {
    const mk = target.closest('.mark');
    if (mk) return eventCard(+mk.getAttribute('data-i'));
    const ef = target.closest('.effect');
    if (ef) return effectCard(+ef.getAttribute('data-side'), +ef.getAttribute('data-k'));
    const lv = target.closest('.leaving');
    if (lv) return leavingCard(+lv.getAttribute('data-side'), +lv.getAttribute('data-k'));
    const bin = target.closest('.bin');
    if (bin) return `<div class="card-head">${bin.getAttribute('data-n')} events</div><div class="card-id">${fmtDay(+bin.getAttribute('data-d0'))} to ${fmtDay(+bin.getAttribute('data-d1'))}</div><div>Click to draw this period.</div>`;
    return null;
  }
  const lanesNode = svg.node();
  lanesNode.addEventListener('mouseover', (ev) => {
    if (pinned) return;
    const html = cardFor(ev.target);
    if (html) showCard(html, ev, false);
  });
  lanesNode.addEventListener('mouseout', (ev) => {
    if (pinned) return;
    if (cardFor(ev.target) && !(ev.relatedTarget && cardFor(ev.relatedTarget))) card.attr('hidden', true);
  });
  lanesNode.addEventListener('focusin', (ev) => {
    const html = cardFor(ev.target);
    if (html) { const r = ev.target.getBoundingClientRect(); showCard(html, { clientX: r.right, clientY: r.bottom }, false); }
  });
  lanesNode.addEventListener('focusout', () => { if (!pinned) card.attr('hidden', true); });
  lanesNode.addEventListener('click', (ev) => {
    const bin = ev.target.closest('.bin');
    if (bin) {
      const a = +bin.getAttribute('data-d0'), b = +bin.getAttribute('data-d1');
      setView([toDate(a - 2), toDate(b + 3)]);
      return;
    }
    const html = cardFor(ev.target);
    if (html) { pinned = true; showCard(html, ev, true); return; }
    if (ev.target.classList.contains('lane-bg')) {
      const [mx] = d3.pointer(ev, lanesNode);
      if (mx >= LABEL_W) pick(toDay(x.invert(mx)));
    }
  });
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { pinned = false; card.attr('hidden', true); } });
  scroller.addEventListener('scroll', () => { if (!pinned) card.attr('hidden', true); schedule(); }, { passive: true });

  // ---- State table at the picked day.
  const table = d3.select('#state-table');
  const cols = [['mission', false], ['kind', false], ['sender → receiver', false], ['status', false], ['in post', true], ['cap', true], ['vacant', true], ['leaving', true]];
  table.append('thead').append('tr').selectAll('th').data(cols).join('th').attr('class', (c) => (c[1] ? 'num' : null)).text((c) => c[0]);
  const tbody = table.append('tbody');
  const capText = (c) => (c < 0 ? '-' : String(c));
  function statusHtml(s) { return `<span class="status-chip status-${STATUS[s]}">${STATUS[s]}</span>`; }
  // Past this many rows the table costs more to lay out than it helps to read.
  const MAX_ROWS = 300;
  function renderTable() {
    const d = picked;
    d3.select('#picked-date').text(fmtDay(d));
    d3.select('#date-input').property('value', fmtDay(d));
    const counts = new Array(STATUS.length).fill(0);
    const countsB = new Array(STATUS.length).fill(0);
    let differ = 0;
    const rows = [];
    for (let m = 0; m < NM; m++) {
      if (lanes !== allLanes && filterText && !laneMatches(m)) continue;
      const a = factsAt(D.base.series[m], d);
      const b = B ? factsAt(B.side.series[m], d) : null;
      counts[a.status]++;
      if (b) countsB[b.status]++;
      rows.push([m, a, b]);
    }
    const cell = (fa, fb, f, html) => {
      const va = f(fa), vb = fb ? f(fb) : va;
      const show = (v) => (html ? html(v) : esc(v));
      return vb === va ? { h: show(va), diff: false } : { h: `${show(va)} | ${show(vb)}`, diff: true };
    };
    // One string for the whole body: a thousand rows are set in one go.
    const html = [];
    for (const [m, a, b] of rows.slice(0, MAX_ROWS)) {
      const md = D.missions[m];
      const cells = [
        { h: esc(md.key) }, { h: esc(md.kind) }, { h: esc(`${actor(md.sender)} → ${actor(md.receiver)}`) },
        cell(a, b, (f) => f.status, statusHtml),
        cell(a, b, (f) => f.headcount), cell(a, b, (f) => capText(f.cap)), cell(a, b, (f) => f.vacant), cell(a, b, (f) => f.leaving),
      ];
      const any = cells.some((c) => c.diff);
      if (any) differ++;
      html.push(`<tr data-mission="${esc(md.key)}"${any ? ' class="differs"' : ''}>`);
      cells.forEach((c, j) => {
        const cls = [cols[j][1] ? 'num' : '', j === 3 ? 'status' : '', c.diff ? 'differs' : ''].join(' ').trim();
        html.push(cls ? `<td class="${cls}">${c.h}</td>` : `<td>${c.h}</td>`);
      });
      html.push('</tr>');
    }
    tbody.node().innerHTML = html.join('');
    const parts = STATUS.map((s, i) => (counts[i] ? `${counts[i]} ${s}` : null)).filter(Boolean);
    let text = `${rows.length} missions: ${parts.join(', ')}`;
    if (B) {
      const pb = STATUS.map((s, i) => (countsB[i] ? `${countsB[i]} ${s}` : null)).filter(Boolean);
      text += `; in the branch: ${pb.join(', ')}. ${differ} mission(s) differ (marked, recorded | branch).`;
    } else text += '.';
    if (rows.length > MAX_ROWS) text += ` The first ${MAX_ROWS} are listed: filter the missions to see others.`;
    if (d < D.start) text += ' This day is before the scenario starts: the state shown is the initial one.';
    d3.select('#state-summary').text(text);
  }
  tbody.on('click', (ev) => {
    const tr = ev.target.closest('tr');
    if (!tr) return;
    const key = tr.getAttribute('data-mission');
    const r = lanes.findIndex((l) => l !== OTHER && D.missions[l].key === key);
    if (r >= 0) { scroller.scrollTop = r * LH; document.getElementById('timeline').scrollIntoView({ block: 'start' }); schedule(); }
  });

  function pick(d) {
    picked = Math.max(D.start - 1, Math.min(D.end, d));
    renderTable();
    if (B) drawEscalation();
    schedule();
  }
  d3.select('#date-input').attr('min', fmtDay(D.start)).attr('max', fmtDay(D.end)).on('change', function () {
    const t = Date.parse(this.value + 'T00:00:00Z');
    if (!Number.isNaN(t)) {
      const d = toDay(t);
      if (toDate(d) < view[0] || toDate(d) > view[1]) setView([toDate(d - 30), toDate(d + 30)]);
      pick(d);
    }
  });

  // ---- Mission filter.
  let filterText = '';
  function laneMatches(m) {
    const md = D.missions[m];
    const hay = `${md.key} ${md.name} ${md.kind} ${md.city} ${actor(md.sender)} ${actor(md.receiver)}`.toLowerCase();
    return filterText.split(/\s+/).every((w) => hay.includes(w));
  }
  d3.select('#filter').on('input', function () {
    filterText = this.value.trim().toLowerCase();
    lanes = filterText ? allLanes.filter((l) => l !== OTHER && laneMatches(l)) : allLanes;
    scroller.scrollTop = 0;
    renderTable();
    schedule();
  });

  // ---- Escalation chart (branch only).
  function drawEscalation() {
    const E = B.escalation;
    const host = d3.select('#escalation');
    host.selectAll('*').remove();
    if (!E.day.length) { host.append('p').attr('class', 'explain').text('No hostile event in either run after the fork.'); return; }
    const h = 210, mL = 48, mR = 150, mT = 12, mB = 26;
    const w = Math.max(420, width);
    const s = host.append('svg').attr('width', w).attr('height', h).attr('id', 'escalation-svg');
    const total = (v) => v.reduce((p, q) => p + q, 0);
    const rows = E.day.map((d, k) => ({ d, a: E.base[k], b: E.branch[k], ta: total(E.base[k]), tb: total(E.branch[k]) }));
    const lo = (B.fork ? Math.min(B.fork.day, E.day[0]) : E.day[0]) - 1;
    const hi = Math.max(D.end, E.day[E.day.length - 1]) + 1;
    const xs = d3.scaleUtc().domain([toDate(lo), toDate(hi)]).range([mL, w - mR]);
    const ys = d3.scaleLinear().domain([0, d3.max(rows, (r) => Math.max(r.ta, r.tb)) || 1]).nice().range([h - mB, mT]);
    s.append('g').attr('class', 'axis').attr('transform', `translate(0,${h - mB})`).call(d3.axisBottom(xs).ticks(Math.max(2, Math.floor((w - mL - mR) / 100))));
    s.append('g').attr('class', 'axis').attr('transform', `translate(${mL},0)`).call(d3.axisLeft(ys).ticks(5));
    const pts = (key) => [[toDate(lo), 0]].concat(rows.map((r) => [toDate(r.d), r[key]]), [[toDate(hi), rows[rows.length - 1][key]]]);
    const line = d3.line().x((p) => xs(p[0])).y((p) => ys(p[1])).curve(d3.curveStepAfter);
    s.append('path').attr('class', 'total base-total').attr('d', line(pts('ta')));
    s.append('path').attr('class', 'total branch-total').attr('d', line(pts('tb')));
    if (B.fork) {
      const fx = xs(toDate(B.fork.day));
      s.append('line').attr('class', 'fork-line').attr('x1', fx).attr('x2', fx).attr('y1', mT).attr('y2', h - mB);
      s.append('text').attr('class', 'fork-label').attr('x', fx + 4).attr('y', mT + 10).text('fork');
    }
    const px = xs(toDate(picked));
    if (px >= mL && px <= w - mR) s.append('line').attr('class', 'pick-line').attr('x1', px).attr('x2', px).attr('y1', mT).attr('y2', h - mB);
    const breakdown = (v) => E.actors.map((a, j) => `${actor(a)} ${v[j].toFixed(1)}`).join(', ');
    for (const [key, cls, vals, label] of [['ta', 'base-total', 'a', 'recorded'], ['tb', 'branch-total', 'b', 'branch']]) {
      s.append('g').selectAll('circle').data(rows).join('circle').attr('class', 'dot ' + cls)
        .attr('cx', (r) => xs(toDate(r.d))).attr('cy', (r) => ys(r[key])).attr('r', 3.2)
        .attr('fill', css.getPropertyValue(cls === 'base-total' ? '--base' : '--branch'))
        .append('title').text((r) => `${label}, ${fmtDay(r.d)}: ${r[key].toFixed(1)} (${breakdown(r[vals])})`);
    }
    const lg = s.append('g').attr('class', 'legend').attr('transform', `translate(${w - mR + 14},${mT + 8})`);
    const last = rows[rows.length - 1];
    [['base-total', `recorded: ${last.ta.toFixed(1)}`], ['branch-total', `branch: ${last.tb.toFixed(1)}`]].forEach(([cls, t], j) => {
      lg.append('line').attr('class', 'total ' + cls).attr('x1', 0).attr('x2', 18).attr('y1', j * 18).attr('y2', j * 18).style('stroke-width', 2.5);
      lg.append('text').attr('x', 24).attr('y', j * 18 + 4).text(t);
    });
    s.append('text').attr('class', 'ylabel').attr('x', 4).attr('y', mT + 4).text('weight');
  }

  // ---- Sweep view: the distribution of many seeded runs of a branch.
  const SW = D.sweep;
  const runRow = new Map();
  if (SW) SW.listed.index.forEach((i, k) => runRow.set(i, k));
  const pct = (k, n) => (n ? (100 * k / n).toFixed(1) : '0.0') + '%';
  let histMission = 0;
  // Lists the seeds of some runs in the side panel.
  function showRuns(title, runs, total, picked) {
    d3.selectAll('.sweep-seg.picked, .sweep-bin.picked').classed('picked', false);
    if (picked) d3.select(picked).classed('picked', true);
    const box = d3.select('#sweep-seeds');
    box.selectAll('*').remove();
    box.append('h4').text(title);
    box.append('p').attr('class', 'explain').attr('id', 'sweep-seeds-count').text(total > runs.length
      ? `${total.toLocaleString('en')} runs; the first ${runs.length} listed (all of them: demarche sweep --format csv)`
      : `${total.toLocaleString('en')} run(s)`);
    const ul = box.append('ul').attr('id', 'sweep-seed-list');
    for (const i of runs) {
      const k = runRow.get(i);
      const li = ul.append('li').attr('data-run', i).attr('data-seed', SW.listed.seed[k]);
      li.append('span').text(`run ${i}, seed `);
      li.append('code').attr('class', 'seed').text(SW.listed.seed[k]);
      li.append('span').attr('class', 'cmd').text(`${SW.command} ${SW.listed.seed[k]}`);
    }
  }
  function drawSweepBars() {
    const host = d3.select('#sweep-bars');
    host.selectAll('*').remove();
    const mL = 200, mR = 24, rowH = 24, mT = 4, mB = 26;
    const w = Math.max(480, Math.min(width - 380, 1100));
    const h = mT + NM * rowH + mB;
    const s = host.append('svg').attr('width', w).attr('height', h).attr('id', 'sweep-bars-svg');
    const xs = d3.scaleLinear().domain([0, 1]).range([mL, w - mR]);
    const ys = d3.scaleBand().domain(d3.range(NM)).range([mT, mT + NM * rowH]).padding(0.18);
    const stacked = d3.stack().keys(d3.range(STATUS.length)).value((row, k) => row[k] / Math.max(1, SW.runs))(SW.status);
    s.append('g').selectAll('g').data(stacked).join('g').attr('fill', (layer) => statusColor(layer.key))
      .selectAll('rect')
      .data((layer) => layer.map((seg, m) => ({ seg, m, k: layer.key })).filter((d) => SW.status[d.m][d.k] > 0))
      .join('rect')
      .attr('class', 'sweep-seg')
      .attr('data-mission', (d) => D.missions[d.m].key)
      .attr('data-status', (d) => STATUS[d.k])
      .attr('data-runs', (d) => SW.status[d.m][d.k])
      .attr('x', (d) => xs(d.seg[0])).attr('width', (d) => Math.max(1, xs(d.seg[1]) - xs(d.seg[0])))
      .attr('y', (d) => ys(d.m)).attr('height', ys.bandwidth())
      .on('click', function (ev, d) {
        showRuns(`${D.missions[d.m].key} ends ${STATUS[d.k]}`, SW.status_runs[d.m][d.k], SW.status[d.m][d.k], this);
      })
      .append('title').text((d) => `${D.missions[d.m].key}: ${STATUS[d.k]} at the end in ${SW.status[d.m][d.k].toLocaleString('en')} of ${SW.runs.toLocaleString('en')} runs (${pct(SW.status[d.m][d.k], SW.runs)})`);
    s.append('g').selectAll('text').data(d3.range(NM)).join('text').attr('class', 'sweep-label')
      .attr('x', mL - 8).attr('y', (m) => ys(m) + ys.bandwidth() / 2 + 4).attr('text-anchor', 'end').text((m) => D.missions[m].key);
    s.append('g').attr('class', 'axis').attr('transform', `translate(0,${mT + NM * rowH + 2})`).call(d3.axisBottom(xs).ticks(5, '.0%'));
  }
  function drawSweepHist() {
    const host = d3.select('#sweep-hist');
    host.selectAll('*').remove();
    const H = SW.headcount[histMission];
    const key = D.missions[histMission].key;
    const mL = 52, mR = 16, mT = 10, mB = 34, h = 200;
    const w = Math.max(420, Math.min(width - 380, 900));
    const s = host.append('svg').attr('width', w).attr('height', h).attr('id', 'sweep-hist-svg').attr('data-mission', key);
    const n = H.count.length;
    const label = (k) => (H.lo[k] === H.hi[k] ? String(H.lo[k]) : `${H.lo[k]}-${H.hi[k]}`);
    const xs = d3.scaleBand().domain(d3.range(n)).range([mL, w - mR]).padding(0.12);
    const ys = d3.scaleLinear().domain([0, d3.max(H.count) || 1]).nice().range([h - mB, mT]);
    const every = Math.ceil(n / 16);
    s.append('g').attr('class', 'axis').attr('transform', `translate(0,${h - mB})`)
      .call(d3.axisBottom(xs).tickValues(d3.range(0, n, every)).tickFormat(label));
    s.append('g').attr('class', 'axis').attr('transform', `translate(${mL},0)`).call(d3.axisLeft(ys).ticks(5));
    s.append('text').attr('class', 'ylabel').attr('x', mL + 6).attr('y', mT + 4).text('runs');
    s.append('text').attr('class', 'ylabel').attr('x', w - mR).attr('y', h - 2).attr('text-anchor', 'end').text('staff in post at the end');
    s.append('g').selectAll('rect').data(d3.range(n).filter((k) => H.count[k] > 0)).join('rect')
      .attr('class', 'sweep-bin')
      .attr('data-lo', (k) => H.lo[k]).attr('data-hi', (k) => H.hi[k]).attr('data-runs', (k) => H.count[k])
      .attr('x', (k) => xs(k)).attr('width', xs.bandwidth())
      .attr('y', (k) => ys(H.count[k])).attr('height', (k) => ys(0) - ys(H.count[k]))
      .on('click', function (ev, k) { showRuns(`${key}: ${label(k)} in post at the end`, H.runs[k], H.count[k], this); })
      .append('title').text((k) => `${label(k)} in post: ${H.count[k].toLocaleString('en')} runs (${pct(H.count[k], SW.runs)})`);
    host.append('p').attr('class', 'explain').text(`Mean ${H.mean}, from ${H.min} to ${H.max}.`);
  }
  function drawSweepEscalation() {
    const host = d3.select('#sweep-escalation');
    host.selectAll('*').remove();
    const E = SW.escalation;
    if (!E.day.length) { host.append('p').attr('class', 'explain').text('No run has a hostile event after the fork.'); return; }
    const [q10, q25, q50, q75, q90] = [0, 1, 2, 3, 4];
    const top = d3.max(E.values, (v) => d3.max(v[q90])) || 1;
    const h = 170, mL = 48, mR = 16, mT = 10, mB = 26;
    const w = Math.max(420, Math.min(width - 380, 1100));
    const xs = d3.scaleUtc().domain([toDate(E.day[0]), toDate(E.day[E.day.length - 1] + 1)]).range([mL, w - mR]);
    const ys = d3.scaleLinear().domain([0, top]).nice().range([h - mB, mT]);
    E.actors.forEach((a, j) => {
      const V = E.values[j];
      const div = host.append('div').attr('class', 'sweep-actor').attr('data-actor', actor(a));
      div.append('div').attr('class', 'explain').text(`${actor(a)}: median ${V[q50][V[q50].length - 1]} at the end, 10th to 90th percentile ${V[q10][V[q10].length - 1]} to ${V[q90][V[q90].length - 1]}; mean ${E.mean_total[j]}`);
      const s = div.append('svg').attr('width', w).attr('height', h);
      const idx = d3.range(E.day.length);
      const area = (lo, hi) => d3.area().x((k) => xs(toDate(E.day[k]))).y0((k) => ys(V[lo][k])).y1((k) => ys(V[hi][k])).curve(d3.curveStepAfter)(idx);
      s.append('path').attr('class', 'band-outer').attr('d', area(q10, q90));
      s.append('path').attr('class', 'band-inner').attr('d', area(q25, q75));
      s.append('path').attr('class', 'median').attr('d', d3.line().x((k) => xs(toDate(E.day[k]))).y((k) => ys(V[q50][k])).curve(d3.curveStepAfter)(idx));
      s.append('g').attr('class', 'axis').attr('transform', `translate(0,${h - mB})`).call(d3.axisBottom(xs).ticks(Math.max(2, Math.floor((w - mL - mR) / 110))).tickFormat(fmt));
      s.append('g').attr('class', 'axis').attr('transform', `translate(${mL},0)`).call(d3.axisLeft(ys).ticks(4));
      s.append('text').attr('class', 'ylabel').attr('x', mL + 6).attr('y', mT + 4).text('weight');
    });
  }
  function sweepView() {
    d3.select('#sweep-section').attr('hidden', null);
    d3.select('#sweep-summary').text(`${SW.runs.toLocaleString('en')} runs of the branch “${SW.title || 'branch'}”, sweep seed ${SW.seed}, forking at ${SW.fork_id || 'no event'}${SW.fork_day != null ? ' on ' + fmtDay(SW.fork_day) : ''}. ${SW.distinct_outcomes.toLocaleString('en')} distinct final states; mean conflict weight after the fork ${SW.mean_escalation}. Run i draws from a seed derived from the sweep seed and i, as demarche sweep does, whatever the number of threads; ${SW.command} SEED replays one run.`);
    const sel = d3.select('#sweep-mission');
    sel.selectAll('option').data(d3.range(NM)).join('option').attr('value', (m) => m).text((m) => D.missions[m].key);
    // Start on the mission whose final headcount varies most.
    histMission = d3.maxIndex(d3.range(NM), (m) => SW.headcount[m].count.filter((c) => c > 0).length * 1e6 + SW.headcount[m].max) || 0;
    sel.property('value', histMission).on('change', function () { histMission = +this.value; drawSweepHist(); });
    const seqs = d3.select('#sweep-sequences');
    seqs.selectAll('li').data(SW.sequences).join('li')
      .attr('class', 'sweep-seq')
      .text((q) => `${pct(q.count, SW.runs)}  ${q.text}`)
      .on('click', (ev, q) => showRuns(`answers: ${q.text}`, q.runs, q.count, null));
    // The table of the first runs.
    const many = NM > 8;
    const t = d3.select('#sweep-runs');
    const head = ['run', 'seed', 'conflict weight', 'answers'].concat(many ? ['missions not active at the end'] : D.missions.map((m) => m.key));
    t.append('thead').append('tr').selectAll('th').data(head).join('th').text((x) => x);
    const rows = SW.table.map((i) => runRow.get(i));
    const tb = t.append('tbody');
    const tr = tb.selectAll('tr').data(rows).join('tr').attr('data-run', (k) => SW.listed.index[k]).attr('data-seed', (k) => SW.listed.seed[k]);
    tr.append('td').attr('class', 'num').text((k) => SW.listed.index[k]);
    tr.append('td').append('code').attr('class', 'seed').text((k) => SW.listed.seed[k]);
    tr.append('td').attr('class', 'num').text((k) => SW.listed.escalation[k].toFixed(1));
    tr.append('td').text((k) => SW.listed.sequence[k]);
    if (many) {
      tr.append('td').text((k) => SW.listed.status[k].map((st, m) => (st === 1 ? null : `${D.missions[m].key} ${STATUS[st]}`)).filter((x) => x).join(', ') || 'none');
    } else {
      for (let m = 0; m < NM; m++) {
        tr.append('td').html((k) => `${statusHtml(SW.listed.status[k][m])} ${SW.listed.headcount[k][m]}`);
      }
    }
    d3.select('#sweep-runs-note').text(SW.table.length < SW.runs
      ? `The first ${SW.table.length} of ${SW.runs.toLocaleString('en')} runs; demarche sweep --format csv lists every run.`
      : `Every run.`);
    drawSweepBars();
    drawSweepHist();
    drawSweepEscalation();
  }

  // ---- Views.
  d3.select('#fit-all').on('click', () => setView(x0.domain()));
  d3.select('#fit-last').on('click', () => setView([toDate(D.end - 89), toDate(D.end + 1)]));
  if (B && B.fork) {
    d3.select('#fit-fork').attr('hidden', null).on('click', () => setView([toDate(B.fork.day - 10), toDate(D.end + 2)]));
  }

  window.addEventListener('resize', () => { measure(); drawOverview(); schedule(); if (B) drawEscalation(); if (SW) { drawSweepBars(); drawSweepHist(); drawSweepEscalation(); } });
  window.addEventListener('beforeprint', () => { printing = true; render(); });
  window.addEventListener('afterprint', () => { printing = false; render(); });

  const phases = { parse: parsedAt - started, setup: performance.now() - parsedAt };
  let mark = performance.now();
  const phase = (name) => { const t = performance.now(); phases[name] = t - mark; mark = t; };
  measure();
  if (B && B.fork) view = [toDate(B.fork.day - 10), toDate(D.end + 2)];
  x.domain(view);
  drawOverview();
  phase('overview');
  render();
  phase('lanes');
  renderTable();
  phase('table');
  if (B) { d3.select('#escalation-section').attr('hidden', null); drawEscalation(); }
  if (SW) { sweepView(); phase('sweep'); }
  document.documentElement.setAttribute('data-ready', 'true');
  // Timings for docs/report.md: the script's own time, and the time since navigation began.
  window.demarcheReport = { scriptMs: performance.now() - started, readyAt: performance.now(), phases, renderMs: window.demarcheReport ? window.demarcheReport.renderMs : null };
})();
