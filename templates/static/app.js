// The little script the pages use. Every form works without it; it only
// saves a round trip: the routing suggestion follows the facts as they are
// typed, a new party row appears without reloading, and the print buttons
// print.
(function () {
  "use strict";

  document.querySelectorAll("button.print").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  var form = document.getElementById("new-case");
  if (!form) return;

  var route = document.getElementById("route");
  // The decision follows the suggestion until the clerk chooses one.
  var chosen = false;
  form.querySelectorAll("input[name=decision]").forEach(function (el) {
    el.addEventListener("change", function () { chosen = true; });
  });
  function refreshRoute() {
    var q = new URLSearchParams();
    ["category", "amount", "people", "risk"].forEach(function (n) {
      var el = form.elements[n];
      if (el) q.set(n, el.value);
    });
    form.querySelectorAll("input[name=flags]:checked").forEach(function (el) { q.append("flags", el.value); });
    var cross = form.elements["cross_village"];
    if (cross && cross.checked) q.set("cross_village", "1");
    fetch("/api/v1/route?" + q.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (r) {
        if (!r) return;
        route.querySelector("strong").textContent = r.level_label;
        route.firstChild.nodeValue = "分流建议：";
        var rest = route.querySelector("strong").nextSibling;
        if (rest) rest.nodeValue = "（" + r.reasons.join("；") + "）";
        var pick = form.querySelector("input[name=decision][value='" + r.event + "']");
        if (pick && !chosen) pick.checked = true;
      });
  }
  form.querySelectorAll("[data-route]").forEach(function (el) {
    el.addEventListener("change", refreshRoute);
  });

  var add = document.getElementById("add-party");
  var parties = document.getElementById("parties");
  var count = form.elements["party_count"];
  if (add && parties && count) {
    add.addEventListener("click", function (ev) {
      var rows = parties.querySelectorAll("[data-party]");
      var last = rows[rows.length - 1];
      if (!last) return;
      ev.preventDefault();
      var n = rows.length;
      var copy = last.cloneNode(true);
      copy.querySelectorAll("[name]").forEach(function (el) {
        el.name = el.name.replace(/^parties\.\d+\./, "parties." + n + ".");
        if (el.tagName === "INPUT") el.value = "";
      });
      copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      copy.querySelector("legend").textContent = "当事人 " + (n + 1);
      parties.appendChild(copy);
      count.value = String(n + 1);
    });
  }
})();
