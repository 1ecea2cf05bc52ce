// Airlock console: progressive enhancement only. Every page works without this file; with it the
// inbox and the approval page follow server-sent events, and the sign-in hand-off continues by itself.
'use strict';
(function () {
  var base = '/console';

  // After the identity provider's redirect: continue with a same-site navigation.
  var cont = document.querySelector('a[data-auto-continue]');
  if (cont) {
    window.location.replace(cont.getAttribute('href'));
    return;
  }

  if (!window.EventSource) return;
  var inbox = document.getElementById('inbox');
  var status = document.getElementById('live-status');
  var approvalStatus = document.getElementById('status');
  if (!inbox && !approvalStatus) return;

  var pending = false;
  function refreshInbox() {
    if (pending) return;
    pending = true;
    fetch(inbox.getAttribute('data-live'), { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (r) {
        if (!r.ok) throw new Error('status ' + r.status);
        return r.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString('<div>' + text + '</div>', 'text/html');
        inbox.replaceChildren.apply(inbox, Array.prototype.slice.call(doc.body.firstChild.childNodes));
        if (status) status.textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
      })
      .catch(function () {
        if (status) status.textContent = 'Live updates paused; reload the page.';
      })
      .then(function () {
        pending = false;
      });
  }

  // Expiry is not an event: the inbox re-reads itself every minute too.
  if (inbox) setInterval(refreshInbox, 60000);

  var events = new EventSource(base + '/events');
  events.addEventListener('approval', function (e) {
    var data;
    try {
      data = JSON.parse(e.data);
    } catch (_) {
      return;
    }
    if (inbox) refreshInbox();
    if (approvalStatus && document.body.querySelector('[data-approval-id="' + CSS.escape(data.id) + '"]')) {
      var reason = document.getElementById('reason');
      if (reason && reason.value) {
        var note = document.getElementById('changed');
        if (note) note.hidden = false;
      } else {
        window.location.reload();
      }
    }
  });
  events.addEventListener('open', function () {
    document.documentElement.setAttribute('data-live', 'on');
  });
})();
