// The little script the pages use. Every form works without it; it only
// saves a round trip: the routing suggestion follows the facts as they are
// typed, a new party row appears without reloading, and the print buttons
// print.
(function () {
  "use strict";

  document.querySelectorAll("button.print").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  // The case file's contents give each document's pages (页号) and the
  // file's total, as printing lays them out: each document starts a page
  // of A4 with the margins of @page, so its pages are its height at the
  // printed width over the printed height. They are worked out again just
  // before printing, when the fonts have surely loaded.
  var contents = document.getElementById("contents");
  if (contents) {
    var paginate = function () {
      var probe = document.createElement("div");
      probe.style.cssText = "position:absolute;visibility:hidden;width:174mm;height:257mm";
      document.body.appendChild(probe);
      var pageHeight = probe.getBoundingClientRect().height;
      probe.remove();
      document.body.classList.add("paginating");
      var pages = {}, next = 1;
      document.querySelectorAll("article.doc").forEach(function (a) {
        var n = Math.max(1, Math.ceil(a.getBoundingClientRect().height / pageHeight - 0.01));
        pages[a.id.replace(/^doc-/, "")] = [next, next + n - 1];
        next += n;
      });
      document.body.classList.remove("paginating");
      var rows = contents.querySelectorAll("tr[data-doc]"), complete = true;
      rows.forEach(function (tr) {
        var keys = tr.getAttribute("data-doc").split(" ");
        var first = pages[keys[0]], last = pages[keys[keys.length - 1]];
        if (!first || !last) { complete = false; return; }
        tr.querySelector(".page-no").textContent = first[0] === last[1] ? String(first[0]) : first[0] + "-" + last[1];
      });
      if (complete) {
        document.querySelectorAll(".page-total").forEach(function (el) { el.textContent = String(next - 1); });
      }
    };
    paginate();
    window.addEventListener("beforeprint", paginate);
  }

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
        var read = document.getElementById("amount-read");
        if (read) read.textContent = r.amount_read ? "按 " + r.amount_read + " 元登记" : "";
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
