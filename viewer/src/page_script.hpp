// The HTML page's stylesheet and script, kept apart from the C++ that fills
// them in. The script only moves what the SVG already holds: data-a0/a1 are
// axis positions (x after a zoom), data-l0/l1 and data-o0/o1 are lane
// indices and offsets (y after a collapse).
#pragma once

namespace canopy::viewer::detail {

inline constexpr const char* page_css = R"CSS(
body{margin:0;font-family:"DejaVu Sans",Verdana,sans-serif;background:#fafafa;color:#212121}
#toolbar{position:sticky;top:0;z-index:2;background:#37474f;color:#fff;padding:6px 10px;display:flex;gap:8px;align-items:center;font-size:13px}
#toolbar button{background:#546e7a;color:#fff;border:1px solid #78909c;border-radius:3px;padding:2px 10px;cursor:pointer;font-size:13px}
#toolbar button:hover{background:#607d8b}
#toolbar .replay{margin-left:auto;font-family:monospace;font-size:12px;color:#eceff1}
#view{overflow:auto;padding:6px}
#tip{position:fixed;display:none;z-index:3;max-width:760px;background:#263238;color:#eceff1;font:11px/1.35 monospace;padding:6px 8px;border-radius:4px;white-space:pre;pointer-events:none;box-shadow:0 2px 8px rgba(0,0,0,.35)}
text[data-label]{cursor:pointer}
text[data-label]:hover{fill:#1565c0;text-decoration:underline}
.hidden{display:none}
)CSS";

inline constexpr const char* page_script = R"JS(
(function () {
  'use strict';
  var svg = document.getElementById('diagram');
  var geo = JSON.parse(document.getElementById('geometry').textContent);
  var tip = document.getElementById('tip');
  var lanes = Array.prototype.slice.call(svg.querySelectorAll('g[data-lane]'));
  var laneY = [], hidden = [], collapsed = {};
  var v0 = 0, v1 = geo.span;
  var axisMoved = svg.querySelectorAll('[data-a0]');
  var laneMoved = svg.querySelectorAll('[data-l0]');
  function X(a) { return geo.left + (a - v0) / (v1 - v0) * geo.width; }
  function fmt(v, d) { return v.toFixed(d); }

  function redrawX() {
    for (var i = 0; i < axisMoved.length; i++) {
      var el = axisMoved[i], a0 = +el.dataset.a0, a1 = +el.dataset.a1, tag = el.tagName;
      if (tag === 'rect') {
        el.setAttribute('x', fmt(X(a0), 1));
        el.setAttribute('width', fmt(Math.max(+(el.dataset.minw || 0), X(a1) - X(a0)), 1));
      } else if (tag === 'line') {
        el.setAttribute('x1', fmt(X(a0), 1)); el.setAttribute('x2', fmt(X(a1), 1));
      } else if (tag === 'circle') {
        el.setAttribute('cx', fmt(X(a0), 1));
      } else if (tag === 'text') {
        el.setAttribute('x', fmt(X(a0) + +(el.dataset.dx || 2), 1));
      } else if (tag === 'path') {
        el.setAttribute('transform', 'translate(' + fmt(X(a0), 1) + ',10)');
      }
    }
    drawAxis();
  }

  function drawAxis() {
    var axis = document.getElementById('axis');
    var span = v1 - v0, raw = span / 8, power = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    var step = power, factors = [1, 2, 5, 10];
    for (var f = 0; f < factors.length; f++) { step = factors[f] * power; if (step >= raw) break; }
    step = Math.max(step, 1);
    var decimals = geo.eventOrder ? 0 : Math.min(6, Math.max(0, -Math.floor(Math.log10(step / 1e6))));
    var bottom = geo.top + visibleCount() * geo.laneHeight;
    var html = '';
    for (var v = Math.ceil(v0 / step) * step, n = 0; v <= v1 + 0.5 && n < 100; v += step, n++) {
      var x = fmt(X(v), 1);
      var label = geo.eventOrder ? fmt(v, 0) : fmt(v / 1e6, decimals);
      html += '<line class="tick" x1="' + x + '" y1="' + (geo.top - 6) + '" x2="' + x + '" y2="' + bottom + '"/>' +
              '<text class="tick-label" x="' + x + '" y="' + (geo.top - 10) + '" text-anchor="middle">' + label + '</text>';
    }
    axis.innerHTML = html;
  }

  function visibleCount() {
    var n = 0;
    for (var i = 0; i < lanes.length; i++) if (!hidden[i]) n++;
    return n;
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
      var el = laneMoved[k], l0 = +el.dataset.l0, off0 = +(el.dataset.o0 || 0);
      var l1 = el.dataset.l1 === undefined ? l0 : +el.dataset.l1, off1 = +(el.dataset.o1 || 0);
      var gone = hidden[l0] || hidden[l1];
      el.classList.toggle('hidden', gone);
      if (gone) continue;
      if (el.dataset.bx !== undefined) {
        var bx = +el.dataset.bx;
        el.setAttribute('d', 'M' + (bx + 4) + ',' + (laneY[l0] + 3) + ' H' + bx + ' V' + (laneY[l1] + 17) + ' H' + (bx + 4));
      } else if (el.tagName === 'circle') {
        el.setAttribute('cy', laneY[l0] + off0);
      } else {
        el.setAttribute('y1', laneY[l0] + off0); el.setAttribute('y2', laneY[l1] + off1);
      }
    }
    var legend = document.getElementById('legend');
    legend.setAttribute('transform', 'translate(0,' + (y + 24) + ')');
    var height = y + 24 + 62;
    svg.setAttribute('height', height);
    svg.setAttribute('viewBox', '0 0 ' + svg.getAttribute('width') + ' ' + height);
    drawAxis();
  }

  function zoom(factor, centre) {
    var span = v1 - v0, newSpan = Math.min(geo.span, Math.max(1, span * factor));
    var c = centre === undefined ? v0 + span / 2 : centre;
    var ratio = (c - v0) / span;
    v0 = c - ratio * newSpan; v1 = v0 + newSpan;
    clamp(); redrawX();
  }
  function pan(deltaAxis) { v0 += deltaAxis; v1 += deltaAxis; clamp(); redrawX(); }
  function clamp() {
    var span = v1 - v0;
    if (v0 < 0) { v0 = 0; v1 = span; }
    if (v1 > geo.span) { v1 = geo.span; v0 = Math.max(0, v1 - span); }
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
  document.getElementById('reset').addEventListener('click', function () { v0 = 0; v1 = geo.span; redrawX(); });
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

  function toggle(index) {
    var label = lanes[index] && lanes[index].querySelector('text[data-label]');
    if (!label) return;
    collapsed[index] = !collapsed[index];
    label.firstChild.textContent = label.firstChild.textContent.replace(/^\u25b8 /, '');
    if (collapsed[index]) label.firstChild.textContent = '\u25b8 ' + label.firstChild.textContent;
  }

  lanes.forEach(function (lane, index) {
    var label = lane.querySelector('text[data-label]');
    if (label) label.addEventListener('click', function () { toggle(index); relayout(); });
    lane.addEventListener('mousemove', function (e) { showTip(lane, e.target, e.clientX, e.clientY); });
    lane.addEventListener('mouseleave', function () { tip.style.display = 'none'; });
  });
  // SVG <title> tooltips would double the page's own; the page shows them.
  svg.querySelectorAll('g[data-lane] title').forEach(function (t) { t.setAttribute('data-tip', ''); });
  // Links can carry a view: #collapse=0,4&zoom=A0,A1 (lane indices, axis units).
  var collapse = /collapse=([0-9,]+)/.exec(location.hash);
  if (collapse) collapse[1].split(',').forEach(function (i) { if (i !== '') toggle(+i); });
  var view = /zoom=([0-9.]+),([0-9.]+)/.exec(location.hash);
  if (view && +view[2] > +view[1]) { v0 = +view[1]; v1 = +view[2]; clamp(); }
  relayout();
  redrawX();
  var pointed = /tip=([0-9]+)/.exec(location.hash);
  if (pointed && lanes[+pointed[1]]) {
    var label = lanes[+pointed[1]].querySelector('text[data-label]') || lanes[+pointed[1]];
    var box = label.getBoundingClientRect();
    showTip(lanes[+pointed[1]], label, box.left + 20, box.top + box.height);
  }
  document.body.setAttribute('data-ready', 'yes');
})();
)JS";

}  // namespace canopy::viewer::detail
