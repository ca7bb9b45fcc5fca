// Firebreak console: progressive enhancement only. Every action is a plain form that works without this file.
// Live pages: the server sends an event whenever a commit changes what the page shows (body data-topics);
// the page then fetches itself once and swaps the sections marked data-live, leaving forms being typed alone.
(function () {
  "use strict";
  var body = document.body;
  var state = document.getElementById("live-state");
  function say(text) { if (state) { state.textContent = text; } }

  // After a refused form the page was answered at the form's address: show and refresh the page's own.
  var page = body.getAttribute("data-page");
  if (page && window.history && window.history.replaceState) { window.history.replaceState(null, "", page); }

  var refreshing = false, again = false;
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (old) {
          var replacement = fresh.getElementById(old.id);
          if (replacement) { old.replaceWith(document.importNode(replacement, true)); }
        });
        say("Updated " + new Date().toLocaleTimeString());
      })
      .catch(function () { say("Could not refresh; reload the page"); })
      .finally(function () { refreshing = false; if (again) { again = false; refresh(); } });
  }

  var topics = body.getAttribute("data-topics");
  if (topics && window.EventSource) {
    var since = body.getAttribute("data-since") || "0";
    var events = new EventSource("/events?topics=" + encodeURIComponent(topics) + "&since=" + encodeURIComponent(since));
    events.addEventListener("change", refresh);
    events.addEventListener("open", function () { say("Live"); });
    events.addEventListener("error", function () { say("Reconnecting…"); });
  }

  // A running step's output, streamed line by line.
  var stream = body.getAttribute("data-stream");
  if (stream && window.EventSource) {
    var output = new EventSource(stream);
    output.addEventListener("output", function (event) {
      var target = document.getElementById("live-output");
      if (!target) { return; }
      target.hidden = false;
      target.textContent += event.data + "\n";
    });
    output.addEventListener("end", function () { output.close(); refresh(); });
  }

  // Timeline filter: hide rows of other kinds without a round trip (the form also works as a plain GET).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-filter-rows]")) { return; }
    var kind = select.value;
    document.querySelectorAll(select.getAttribute("data-filter-rows")).forEach(function (row) {
      row.hidden = kind !== "" && row.getAttribute("data-kind") !== kind;
    });
  });
})();
