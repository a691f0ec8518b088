// jfunc dashboard: live updates of the page's info and table from its JSON twin (/api/...).
// Builds DOM nodes with textContent only: no value from a minion is ever parsed as HTML.
(function () {
  'use strict';
  var FOLD = 20;
  var body = document.body;
  var live = body.getAttribute('data-live');
  var every = Math.max(1000, parseInt(body.getAttribute('data-every'), 10) || 1000);
  var stamp = document.getElementById('updated');
  var polls = 0;
  if (!live || body.getAttribute('data-still-live') !== 'true') {
    return;
  }

  function fill(td, c) {
    td.textContent = '';
    if (c.c) { td.className = c.c; } else { td.removeAttribute('class'); }
    if (c.h && c.h.charAt(0) === '/' && c.h.charAt(1) !== '/') {
      var a = document.createElement('a');
      a.href = c.h;
      a.textContent = c.t;
      td.appendChild(a);
      return;
    }
    if (c.p && c.t) {
      var lines = (c.t.charAt(c.t.length - 1) === '\n' ? c.t.slice(0, -1) : c.t).split('\n');
      if (lines.length > FOLD) {
        var details = document.createElement('details');
        var summary = document.createElement('summary');
        var head = document.createElement('pre');
        var rest = document.createElement('pre');
        head.textContent = lines.slice(0, FOLD).join('\n');
        summary.appendChild(head);
        summary.appendChild(document.createTextNode('\u2026 ' + (lines.length - FOLD) + ' more lines'));
        rest.textContent = lines.slice(FOLD).join('\n');
        details.appendChild(summary);
        details.appendChild(rest);
        td.appendChild(details);
        return;
      }
      var pre = document.createElement('pre');
      pre.textContent = c.t;
      td.appendChild(pre);
      return;
    }
    td.textContent = c.t;
  }

  function row(r, json) {
    var tr = document.createElement('tr');
    tr.setAttribute('data-key', r.k);
    if (r.c) { tr.className = r.c; }
    r.d.forEach(function (c) {
      var td = document.createElement('td');
      fill(td, c);
      tr.appendChild(td);
    });
    tr.jfuncRow = json;
    return tr;
  }

  function rows(list) {
    var tbody = document.getElementById('rows');
    if (!tbody) { return; }
    var old = {};
    Array.prototype.forEach.call(tbody.children, function (tr) { old[tr.getAttribute('data-key')] = tr; });
    var keep = [];
    list.forEach(function (r) {
      var json = JSON.stringify(r);
      var tr = old[r.k];
      if (!tr || tr.jfuncRow !== json) {
        var fresh = row(r, json);
        if (tr && tr.jfuncRow === undefined && tr.textContent === fresh.textContent) {
          tr.jfuncRow = json; // the server's first rendering of the same row: keep it (and any open fold)
        } else {
          tr = fresh;
        }
      }
      keep.push(tr);
    });
    keep.forEach(function (tr) { tbody.appendChild(tr); });
    Array.prototype.slice.call(tbody.children).forEach(function (tr) {
      if (keep.indexOf(tr) < 0) { tbody.removeChild(tr); }
    });
  }

  function info(list) {
    var dl = document.getElementById('info');
    if (!dl) { return; }
    dl.textContent = '';
    list.forEach(function (p) {
      var div = document.createElement('div');
      var dt = document.createElement('dt');
      var dd = document.createElement('dd');
      dt.textContent = p[0];
      dd.textContent = p[1];
      div.appendChild(dt);
      div.appendChild(dd);
      dl.appendChild(div);
    });
  }

  function poll() {
    fetch(live, {credentials: 'same-origin', cache: 'no-store', headers: {'Accept': 'application/json'}})
      .then(function (r) {
        if (!r.ok) { throw new Error('HTTP ' + r.status); }
        return r.json();
      })
      .then(function (j) {
        info(j.info);
        rows(j.rows);
        polls++;
        body.setAttribute('data-polls', String(polls));
        stamp.className = '';
        stamp.textContent = 'updated ' + new Date().toLocaleTimeString() + (j.live ? '' : ' (final)');
        if (j.live) { setTimeout(poll, every); }
      })
      .catch(function (e) {
        stamp.className = 'bad';
        stamp.textContent = 'update failed: ' + e.message + '; retrying';
        setTimeout(poll, every * 3);
      });
  }

  setTimeout(poll, every);
}());
