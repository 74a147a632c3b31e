// The HTML page's stylesheet and script, kept apart from the C++ that fills
// them in. The script only moves what the SVG already holds: data-a0/a1
// (nanoseconds since the first event) and data-s0/s1 (seq) are axis
// positions (x after a zoom or an axis switch), data-l0/l1 and data-o0/o1
// are lane indices and offsets (y after a collapse).
#pragma once

namespace canopy::viewer::detail {

inline constexpr const char* page_css = R"CSS(
body{margin:0;font-family:"DejaVu Sans",Verdana,sans-serif;background:#fafafa;color:#212121}
#toolbar{position:sticky;top:0;z-index:2;background:#37474f;color:#fff;padding:6px 10px;display:flex;gap:8px;align-items:center;font-size:13px;flex-wrap:wrap}
#toolbar button{background:#546e7a;color:#fff;border:1px solid #78909c;border-radius:3px;padding:2px 10px;cursor:pointer;font-size:13px}
#toolbar button:hover{background:#607d8b}
#toolbar .keys{font-size:11px;color:#cfd8dc}
#toolbar .replay{margin-left:auto;font-family:monospace;font-size:12px;color:#eceff1}
#minimap-box{padding:4px 6px 0 6px;background:#fafafa;position:sticky;top:34px;z-index:1}
#minimap{display:block;cursor:pointer}
#minimap .bar{fill:#90a4ae}#minimap .view{fill:#1e88e5;fill-opacity:.15;stroke:#1565c0;stroke-width:1.5}
#view{overflow:auto;padding:6px}
#tip{position:fixed;display:none;z-index:3;max-width:760px;background:#263238;color:#eceff1;font:11px/1.35 monospace;padding:6px 8px;border-radius:4px;white-space:pre;pointer-events:none;box-shadow:0 2px 8px rgba(0,0,0,.35)}
text[data-label]{cursor:pointer}
text[data-label]:hover{fill:#1565c0;text-decoration:underline}
.lane-row.selected .life,.lane-row.selected .band{stroke:#1565c0;stroke-width:1.5}
.hidden{display:none}
)CSS";

inline constexpr const char* page_script = R"JS(
(function () {
  'use strict';
  var svg = document.getElementById('diagram');
  var geo = JSON.parse(document.getElementById('geometry').textContent);
  var tip = document.getElementById('tip');
  var view = document.getElementById('view');
  var lanes = Array.prototype.slice.call(svg.querySelectorAll('g[data-lane]'));
  var laneY = [], hidden = [], collapsed = {}, selected = -1;
  var seqAxis = geo.eventOrder;
  function span() { return seqAxis ? geo.seqSpan : geo.timeSpan; }
  var v0 = 0, v1 = span();
  var axisMoved = Array.prototype.slice.call(svg.querySelectorAll('[data-a0]:not([data-link])'));
  var laneMoved = svg.querySelectorAll('[data-l0]:not([data-link])');
  // Links between lanes (cancellations, connections): curves redrawn on
  // every zoom and collapse, between the lanes shown.
  var links = Array.prototype.slice.call(svg.querySelectorAll('[data-link]')).map(function (el) {
    return { el: el, a0: +el.dataset.a0, a1: +el.dataset.a1, s0: +el.dataset.s0, s1: +el.dataset.s1,
             l0: +el.dataset.l0, l1: +el.dataset.l1 };
  });
  function drawLinks() {
    for (var i = 0; i < links.length; i++) {
      var k = links[i], l0 = shownLane(k.l0), l1 = shownLane(k.l1);
      var gone = l0 < 0 || l1 < 0 || l0 === l1;
      k.el.classList.toggle('hidden', gone);
      if (gone) continue;
      var x0 = X(seqAxis ? k.s0 : k.a0), x1 = X(seqAxis ? k.s1 : k.a1), y0 = laneY[l0] + 11, y1 = laneY[l1] + 11;
      var bow = 10 + Math.min(30, Math.abs(y1 - y0) / 3);
      k.el.setAttribute('d', 'M' + fmt(x0) + ',' + fmt(y0) + ' C' + fmt(x0 + bow) + ',' + fmt(y0) + ' ' +
                        fmt(x1 + bow) + ',' + fmt(y1) + ' ' + fmt(x1) + ',' + fmt(y1));
    }
  }
  // Each moved element's lane (for skipping hidden ones) and its positions.
  var items = axisMoved.map(function (el) {
    var row = el.closest('g[data-lane]');
    return { el: el, tag: el.tagName, a0: +el.dataset.a0, a1: +el.dataset.a1, s0: +el.dataset.s0, s1: +el.dataset.s1,
             minw: +(el.dataset.minw || 0), dx: el.dataset.dx === undefined ? 2 : +el.dataset.dx, dxSet: el.dataset.dx !== undefined,
             fit: el.dataset.fitw !== undefined, chars: el.textContent.length,
             endAnchor: el.getAttribute('text-anchor') === 'end',
             lane: row ? +row.dataset.lane : -1 };
  });
  function X(a) { return geo.left + (a - v0) / (v1 - v0) * geo.width; }
  function fmt(v) { return v.toFixed(1); }

  // Lanes are redrawn only when on screen (or within a screen of it): a
  // zoom step costs the lanes in sight, however many the page holds. A lane
  // scrolled into sight later is brought up to the view then.
  var byLane = [], globalItems = [], drawnAt = [], viewKey = '';
  items.forEach(function (it) {
    if (it.lane < 0) { globalItems.push(it); return; }
    (byLane[it.lane] = byLane[it.lane] || []).push(it);
  });
  function drawItem(it, margin) {
    var p0 = seqAxis ? it.s0 : it.a0, p1 = seqAxis ? it.s1 : it.a1, el = it.el;
    // Out of view: hidden once, not moved (zoomed in, most of a long run is).
    var out = p1 < v0 - margin || p0 > v1 + margin;
    if (out !== it.out) { it.out = out; el.style.visibility = out ? 'hidden' : ''; }
    if (out) return;
    var x0 = X(p0);
    if (it.tag === 'rect') {
      el.setAttribute('x', fmt(x0 + (it.dxSet ? it.dx : 0)));
      el.setAttribute('width', fmt(Math.max(it.minw, X(p1) - x0)));
    } else if (it.tag === 'line') {
      el.setAttribute('x1', fmt(x0)); el.setAttribute('x2', fmt(X(p1)));
    } else if (it.tag === 'circle') {
      el.setAttribute('cx', fmt(x0));
    } else if (it.tag === 'text') {
      el.setAttribute('x', fmt((it.endAnchor ? X(p1) : x0) + it.dx));
      if (it.fit) el.style.display = X(p1) - x0 >= it.chars * 5.6 + 4 ? '' : 'none';
    } else if (it.tag === 'path') {
      el.setAttribute('transform', 'translate(' + fmt(x0) + ',11)');
    }
  }
  function drawLanesInSight() {
    var margin = (v1 - v0) * 0.02;
    var box = svg.getBoundingClientRect(), scale = box.width / +svg.getAttribute('width') || 1;
    var screen = window.innerHeight || 800;
    var top = (-box.top - screen) / scale, bottom = (2 * screen - box.top) / scale;
    for (var l = 0; l < byLane.length; l++) {
      if (!byLane[l] || hidden[l] || drawnAt[l] === viewKey) continue;
      if (laneY[l] + geo.laneHeight < top || laneY[l] > bottom) continue;
      drawnAt[l] = viewKey;
      for (var k = 0; k < byLane[l].length; k++) drawItem(byLane[l][k], margin);
    }
  }
  var sightPending = false;
  function scrolled() {
    if (sightPending) return;
    sightPending = true;
    requestAnimationFrame(function () { sightPending = false; drawLanesInSight(); });
  }
  window.addEventListener('scroll', scrolled);
  view.addEventListener('scroll', scrolled);

  function redrawX() {
    var margin = (v1 - v0) * 0.02;
    viewKey = v0 + ',' + v1 + ',' + seqAxis + ',' + geo.width;
    for (var i = 0; i < globalItems.length; i++) drawItem(globalItems[i], margin);
    drawLanesInSight();
    drawLinks();
    drawAxis();
    drawMinimapView();
  }

  function drawAxis() {
    var axis = document.getElementById('axis');
    var s = v1 - v0, raw = s / 8, power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    var step = power, factors = [1, 2, 5, 10];
    for (var f = 0; f < factors.length; f++) { step = factors[f] * power; if (step >= raw) break; }
    step = Math.max(step, 1);
    var decimals = seqAxis ? 0 : Math.min(6, Math.max(0, -Math.floor(Math.log10(step / 1e6))));
    var bottom = geo.top + visibleCount() * geo.laneHeight;
    var html = '';
    for (var v = Math.ceil(v0 / step) * step, n = 0; v <= v1 + 0.5 && n < 100; v += step, n++) {
      var x = fmt(X(v));
      var label = seqAxis ? v.toFixed(0) : (v / 1e6).toFixed(decimals);
      html += '<line class="tick" x1="' + x + '" y1="' + (geo.top - 6) + '" x2="' + x + '" y2="' + bottom + '"/>' +
              '<text class="tick-label" x="' + x + '" y="' + (geo.top - 10) + '" text-anchor="middle">' + label + '</text>';
    }
    axis.innerHTML = html;
    svg.querySelector('.axis-unit').textContent = seqAxis ? 'event seq' : (geo.simulated ? 'virtual ms' : 'ms');
  }

  function visibleCount() {
    var n = 0;
    for (var i = 0; i < lanes.length; i++) if (!hidden[i]) n++;
    return n;
  }
  // A hidden lane is drawn where its nearest shown ancestor is.
  function shownLane(i) {
    while (i >= 0 && hidden[i]) i = +lanes[i].dataset.parentLane;
    return i;
  }

  function relayout() {
    var y = geo.top;
    for (var i = 0; i < lanes.length; i++) {
      var p = +lanes[i].dataset.parentLane;
      hidden[i] = p >= 0 && (hidden[p] || collapsed[p] === true);
      lanes[i].classList.toggle('hidden', hidden[i]);
      laneY[i] = y;
      if (!hidden[i]) { lanes[i].setAttribute('transform', 'translate(0,' + y + ')'); y += geo.laneHeight; }
    }
    for (var k = 0; k < laneMoved.length; k++) {
      var el = laneMoved[k], l0 = shownLane(+el.dataset.l0), off0 = +(el.dataset.o0 || 0);
      var l1 = el.dataset.l1 === undefined ? l0 : shownLane(+el.dataset.l1), off1 = +(el.dataset.o1 || 0);
      var gone = l0 < 0 || l1 < 0 || (el.dataset.l1 !== undefined && l0 === l1 && el.dataset.bx === undefined);
      el.classList.toggle('hidden', gone);
      if (gone) continue;
      if (el.dataset.bx !== undefined) {
        var bx = +el.dataset.bx;
        el.setAttribute('d', 'M' + (bx + 4) + ',' + (laneY[l0] + 3) + ' H' + bx + ' V' + (laneY[l1] + 19) + ' H' + (bx + 4));
      } else if (el.tagName === 'circle') {
        el.setAttribute('cy', laneY[l0] + off0);
      } else {
        el.setAttribute('y1', laneY[l0] + off0); el.setAttribute('y2', laneY[l1] + off1);
      }
    }
    var bottom = y;
    var end = svg.querySelector('line.run-end');
    if (end) end.setAttribute('y2', bottom);
    var legend = document.getElementById('legend');
    legend.setAttribute('transform', 'translate(0,' + (bottom + 24) + ')');
    var height = bottom + 24 + 82;
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + svg.getAttribute('width') + ' ' + height);
    redrawX();
  }

  // The chart takes the window's width: the page opens fitted to the run.
  function fit() {
    var available = Math.max(600, view.clientWidth - 14);
    geo.width = Math.max(200, available - geo.left - 20);
    svg.setAttribute('width', geo.left + geo.width + 20);
    svg.querySelectorAll('.chart-clip-rect').forEach(function (r) { r.setAttribute('width', geo.width + 6); });
    var line = svg.querySelector('.axis-line');
    if (line) line.setAttribute('x2', geo.left + geo.width);
    svg.querySelectorAll('.run-end-label, text.run-cut').forEach(function (t) { t.setAttribute('x', geo.left + geo.width); });
    minimap.setAttribute('width', geo.left + geo.width + 20);
    drawMinimap();
  }

  // The minimap: the whole run's events, and where the view is.
  var minimap = document.getElementById('minimap');
  function drawMinimap() {
    var bars = seqAxis ? geo.seqDensity : geo.timeDensity, most = 1, html = '';
    for (var i = 0; i < bars.length; i++) most = Math.max(most, bars[i]);
    var w = geo.width / bars.length;
    for (var j = 0; j < bars.length; j++) {
      if (!bars[j]) continue;
      var h = Math.max(1, 22 * Math.sqrt(bars[j] / most));
      html += '<rect class="bar" x="' + fmt(geo.left + j * w) + '" y="' + fmt(26 - h) + '" width="' + fmt(Math.max(1, w - 0.5)) + '" height="' + fmt(h) + '"/>';
    }
    html += '<text x="' + (geo.left - 8) + '" y="18" text-anchor="end" font-size="10" fill="#546e7a">' +
            (seqAxis ? 'spawns, cancels, exits' : 'events over time') + '</text>';
    html += '<rect class="view" id="minimap-view" x="0" y="1" width="1" height="26"/>';
    minimap.innerHTML = html;
    drawMinimapView();
  }
  function drawMinimapView() {
    var r = document.getElementById('minimap-view');
    if (!r) return;
    var s = span();
    r.setAttribute('x', fmt(geo.left + v0 / s * geo.width));
    r.setAttribute('width', fmt(Math.max(2, (v1 - v0) / s * geo.width)));
  }
  function minimapAt(clientX) {
    var box = minimap.getBoundingClientRect();
    return (clientX - box.left - geo.left) / geo.width * span();
  }
  var mapDrag = false;
  function centreAt(a) { var half = (v1 - v0) / 2; v0 = a - half; v1 = a + half; clamp(); redrawX(); }
  minimap.addEventListener('mousedown', function (e) { mapDrag = true; centreAt(minimapAt(e.clientX)); e.preventDefault(); });
  window.addEventListener('mouseup', function () { mapDrag = false; });
  window.addEventListener('mousemove', function (e) { if (mapDrag) centreAt(minimapAt(e.clientX)); });

  function zoom(factor, centre) {
    var s = v1 - v0, newSpan = Math.min(span(), Math.max(1, s * factor));
    var c = centre === undefined ? v0 + s / 2 : centre;
    var ratio = (c - v0) / s;
    v0 = c - ratio * newSpan; v1 = v0 + newSpan;
    clamp(); redrawX();
  }
  function pan(deltaAxis) { v0 += deltaAxis; v1 += deltaAxis; clamp(); redrawX(); }
  function clamp() {
    var s = v1 - v0, all = span();
    if (s > all) { v0 = 0; v1 = all; return; }
    if (v0 < 0) { v0 = 0; v1 = s; }
    if (v1 > all) { v1 = all; v0 = Math.max(0, v1 - s); }
  }
  function reset() { v0 = 0; v1 = span(); redrawX(); }
  // Switching axes keeps the view on the same events.
  function switchAxis() {
    seqAxis = !seqAxis;
    v0 = 0; v1 = span();
    document.getElementById('axis-toggle').textContent = seqAxis ? 'axis: events' : 'axis: time';
    drawMinimap(); redrawX();
  }
  function axisAt(clientX) {
    var box = svg.getBoundingClientRect();
    var scale = box.width / +svg.getAttribute('width');
    return v0 + ((clientX - box.left) / scale - geo.left) / geo.width * (v1 - v0);
  }

  document.getElementById('zoom-in').addEventListener('click', function () { zoom(0.5); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoom(2); });
  document.getElementById('pan-left').addEventListener('click', function () { pan(-(v1 - v0) * 0.25); });
  document.getElementById('pan-right').addEventListener('click', function () { pan((v1 - v0) * 0.25); });
  document.getElementById('reset').addEventListener('click', reset);
  document.getElementById('axis-toggle').addEventListener('click', switchAxis);
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    // A sideways scroll (touchpad) pans; a vertical one zooms around the cursor.
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) { pan(e.deltaX / geo.width * (v1 - v0)); return; }
    zoom(e.deltaY < 0 ? 0.8 : 1.25, axisAt(e.clientX));
  }, { passive: false });
  var dragFrom = null;
  svg.addEventListener('mousedown', function (e) { if (e.target.dataset.label === undefined) { dragFrom = e.clientX; } });
  window.addEventListener('mouseup', function () { dragFrom = null; });
  window.addEventListener('mousemove', function (e) {
    if (dragFrom === null) return;
    var box = svg.getBoundingClientRect(), scale = box.width / +svg.getAttribute('width');
    pan(-(e.clientX - dragFrom) / scale / geo.width * (v1 - v0));
    dragFrom = e.clientX;
  });

  // The tooltip: what was pointed at (its <title>), then the lane's events
  // and the replay line.
  function showTip(lane, target, clientX, clientY) {
    var events = lane.querySelector('desc.events');
    var own = target && target.querySelector ? target.querySelector('title') : null;
    var text = (own && target.tagName !== 'g' ? own.textContent + '\n\n' : '') +
               (events ? events.textContent : (own ? own.textContent : ''));
    if (geo.replay) text += '\n\nreplay: ' + geo.replay;
    tip.textContent = text;
    tip.style.display = 'block';
    var x = clientX + 14, y = clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) x = Math.max(0, clientX - tip.offsetWidth - 14);
    if (y + tip.offsetHeight > window.innerHeight) y = Math.max(0, clientY - tip.offsetHeight - 14);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  // Links show their own title wherever they are.
  svg.querySelectorAll('.links [data-kind]').forEach(function (el) {
    el.addEventListener('mousemove', function (e) {
      tip.textContent = el.querySelector('title').textContent; tip.style.display = 'block';
      tip.style.left = (e.clientX + 14) + 'px'; tip.style.top = (e.clientY + 14) + 'px';
    });
    el.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });

  function toggle(index) {
    var label = lanes[index] && lanes[index].querySelector('text[data-label]');
    if (!label) return;
    collapsed[index] = !collapsed[index];
    label.firstChild.textContent = label.firstChild.textContent.replace(/^[\u25b8\u25be] /, '');
    if (collapsed[index]) label.firstChild.textContent = '\u25b8 ' + label.firstChild.textContent;
    else if (lanes[index].dataset.band !== undefined) label.firstChild.textContent = '\u25be ' + label.firstChild.textContent;
  }
  function hasChildren(index) {
    return index + 1 < lanes.length && +lanes[index + 1].dataset.parentLane === index;
  }

  lanes.forEach(function (lane, index) {
    var label = lane.querySelector('text[data-label]');
    if (label) label.addEventListener('click', function () { toggle(index); relayout(); });
    lane.addEventListener('mousemove', function (e) { showTip(lane, e.target, e.clientX, e.clientY); });
    lane.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
    // Bands open collapsed: one lane for their many identical members.
    if (lane.dataset.band !== undefined && hasChildren(index)) toggle(index);
  });

  // Keyboard: + - zoom, arrows pan, 0 fits, e switches the axis, j/k (or
  // up/down) move between lanes, Enter collapses or expands, Esc hides the tip.
  function select(index) {
    if (selected >= 0) lanes[selected].classList.remove('selected');
    selected = index;
    if (selected < 0) return;
    var lane = lanes[selected];
    lane.classList.add('selected');
    var label = lane.querySelector('text') || lane, box = label.getBoundingClientRect();
    if (box.top < 80 || box.bottom > window.innerHeight) lane.scrollIntoView({ block: 'center' });
    box = label.getBoundingClientRect();
    showTip(lane, label, box.left + 20, box.top + box.height);
  }
  function step(direction) {
    var i = selected;
    do { i += direction; } while (i >= 0 && i < lanes.length && hidden[i]);
    if (i >= 0 && i < lanes.length) select(i);
  }
  document.addEventListener('keydown', function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var k = e.key, handled = true;
    if (k === '+' || k === '=') zoom(0.5);
    else if (k === '-' || k === '_') zoom(2);
    else if (k === 'ArrowLeft' || k === 'h') pan(-(v1 - v0) * 0.2);
    else if (k === 'ArrowRight' || k === 'l') pan((v1 - v0) * 0.2);
    else if (k === '0' || k === 'f' || k === 'Home') reset();
    else if (k === 'e') switchAxis();
    else if (k === 'ArrowDown' || k === 'j') step(1);
    else if (k === 'ArrowUp' || k === 'k') step(-1);
    else if ((k === 'Enter' || k === ' ') && selected >= 0) { toggle(selected); relayout(); }
    else if (k === 'Escape') { tip.style.display = 'none'; select(-1); }
    else handled = false;
    if (handled) e.preventDefault();
  });
  window.addEventListener('resize', function () { fit(); redrawX(); });

  // SVG <title> tooltips would double the page's own; the page shows them.
  svg.querySelectorAll('g[data-lane] title').forEach(function (t) { t.setAttribute('data-tip', ''); });
  // Links can carry a view: #collapse=0,4&expand=7&zoom=A0,A1&axis=seq
  // (lane indices, axis units).
  if (/axis=seq/.test(location.hash) !== seqAxis) { seqAxis = !seqAxis; }
  document.getElementById('axis-toggle').textContent = seqAxis ? 'axis: events' : 'axis: time';
  v0 = 0; v1 = span();
  var collapse = /collapse=([0-9,]+)/.exec(location.hash);
  if (collapse) collapse[1].split(',').forEach(function (i) { if (i !== '') toggle(+i); });
  var expand = /expand=([0-9,]+)/.exec(location.hash);
  if (expand) expand[1].split(',').forEach(function (i) { if (i !== '' && collapsed[+i]) toggle(+i); });
  var zoomed = /zoom=([0-9.]+),([0-9.]+)/.exec(location.hash);
  if (zoomed && +zoomed[2] > +zoomed[1]) { v0 = +zoomed[1]; v1 = +zoomed[2]; clamp(); }
  fit();
  relayout();
  var pointed = /tip=([0-9]+)/.exec(location.hash);
  if (pointed && lanes[+pointed[1]]) {
    var label = lanes[+pointed[1]].querySelector('text[data-label]') || lanes[+pointed[1]];
    var box = label.getBoundingClientRect();
    showTip(lanes[+pointed[1]], label, box.left + 20, box.top + box.height);
  }
  svg.setAttribute('data-view', v0.toFixed(0) + ',' + v1.toFixed(0));
  document.body.setAttribute('data-ready', 'yes');
  // For measurements: how long one zoom step takes, in milliseconds.
  window.canopyZoomStepMs = function (steps) {
    var t0 = performance.now();
    // Each step waits for the browser's layout, as a user's frame would.
    for (var i = 0; i < steps; i++) { zoom(i % 2 ? 2 : 0.5); void svg.getBoundingClientRect().width; void document.body.offsetHeight; }
    return (performance.now() - t0) / steps;
  };
  var bench = /bench=([0-9]+)/.exec(location.hash);
  if (bench) document.body.setAttribute('data-zoom-step-ms', window.canopyZoomStepMs(+bench[1]).toFixed(2));
})();
)JS";

}  // namespace canopy::viewer::detail
