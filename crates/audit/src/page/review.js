// The review page's script. It renders one case at a time from the embedded
// JSON, puts all note text into the DOM with textContent (never as markup),
// keeps verdicts in localStorage and exports them as CSV. Opened with
// #selftest in the URL it checks itself and writes the results into #selftest
// (#selftest=N checks the first N cases' highlights only).
(function () {
  "use strict";

  var started = performance.now();
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var parsed = performance.now();
  var cases = data.cases;
  var selftest = /^#selftest(=\d+)?$/.test(location.hash);
  var COLUMNS = ["id", "determination", "verdict", "comment", "reviewer", "timestamp"];
  var PALETTE_SIZE = 8;

  function $(id) { return document.getElementById(id); }

  // Builds an element; text goes in with textContent so nothing is parsed as markup.
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // Verdicts survive reloads in localStorage; a self-test or a browser that
  // refuses storage gets a memory store so the page still works.
  function openStore() {
    var key = "necessity-review:" + data.key;
    var memory = { verdicts: {}, reviewer: "" };
    var storage = null;
    if (!selftest) {
      try {
        window.localStorage.setItem(key + ":probe", "1");
        window.localStorage.removeItem(key + ":probe");
        storage = window.localStorage;
        memory = JSON.parse(storage.getItem(key) || "null") || memory;
      } catch (e) {
        storage = null;
      }
    }
    return {
      state: memory,
      save: function () {
        if (storage) { storage.setItem(key, JSON.stringify(memory)); }
      },
      persistent: storage !== null
    };
  }

  var store = openStore();
  var verdicts = store.state.verdicts;
  var view = { determination: "", route: "", verdict: "", visible: [], position: -1 };

  function verdictOf(c) { return (verdicts[c.id] && verdicts[c.id].verdict) || ""; }

  function colourClass(slot) { return "c" + (slot % PALETTE_SIZE); }

  function spanColour(c, index) {
    var slot = c.spans[index].colour;
    return slot === null || slot === undefined ? "fact" : colourClass(slot);
  }

  // ---- filters and the case list -------------------------------------------

  function matches(c) {
    if (view.determination && c.determination !== view.determination) { return false; }
    if (view.route && c.route !== view.route) { return false; }
    if (!view.verdict) { return true; }
    var v = verdictOf(c);
    return view.verdict === "undecided" ? v === "" : v === view.verdict;
  }

  function renderFilters() {
    var counts = {};
    cases.forEach(function (c) { counts[c.determination] = (counts[c.determination] || 0) + 1; });
    var nav = $("filters");
    nav.textContent = "";
    [""].concat(Object.keys(counts).sort()).forEach(function (d) {
      var button = el("button", "filter det-" + (d || "all"), (d ? d.replace(/_/g, " ") : "all") + " ");
      button.type = "button";
      button.dataset.determination = d;
      button.appendChild(el("span", "count", d ? counts[d] : cases.length));
      button.setAttribute("aria-pressed", String(d === view.determination));
      button.addEventListener("click", function () { setFilter(d, view.verdict); });
      nav.appendChild(button);
    });
  }

  // The route select shows how many cases each route holds.
  function renderRouteFilter() {
    var counts = {};
    cases.forEach(function (c) { counts[c.route] = (counts[c.route] || 0) + 1; });
    Array.prototype.forEach.call($("route-filter").options, function (option) {
      var n = option.value ? counts[option.value] || 0 : cases.length;
      option.textContent = (option.value || "all") + " (" + n + ")";
    });
  }

  function setRoute(route) {
    view.route = route;
    $("route-filter").value = route;
    setFilter(view.determination, view.verdict);
  }

  function setFilter(determination, verdict) {
    view.determination = determination;
    view.verdict = verdict;
    var current = view.visible[view.position];
    view.visible = [];
    cases.forEach(function (c, i) { if (matches(c)) { view.visible.push(i); } });
    Array.prototype.forEach.call($("filters").children, function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.determination === determination));
    });
    renderList();
    var keep = view.visible.indexOf(current);
    show(keep >= 0 ? keep : 0);
  }

  function renderList() {
    var list = $("case-list");
    var fragment = document.createDocumentFragment();
    view.visible.forEach(function (caseIndex, position) {
      var c = cases[caseIndex];
      var item = el("li", "det-" + c.determination);
      item.dataset.position = position;
      item.appendChild(el("span", "verdict-mark"));
      item.appendChild(el("span", "det-dot"));
      item.appendChild(el("span", "case-id", c.id));
      item.title = c.id + " · " + c.determination + " · " + c.route;
      markListItem(item, c);
      fragment.appendChild(item);
    });
    list.textContent = "";
    list.appendChild(fragment);
    if (view.visible.length === 0) { list.appendChild(el("li", "empty", "No case matches the filters.")); }
  }

  function markListItem(item, c) {
    var v = verdictOf(c);
    item.dataset.verdict = v;
    item.firstChild.textContent = v === "agree" ? "✓" : v === "disagree" ? "✗" : "·";
  }

  function listItem(position) { return $("case-list").querySelector('li[data-position="' + position + '"]'); }

  // ---- one case ---------------------------------------------------------------

  function show(position) {
    var previous = listItem(view.position);
    if (previous) { previous.removeAttribute("aria-current"); }
    view.position = position;
    var c = currentCase();
    if (!c) {
      $("case-head").textContent = "";
      $("banners").textContent = "";
      $("note").textContent = "";
      $("route-box").textContent = "";
      $("criteria").tBodies[0].textContent = "";
      $("facts").tBodies[0].textContent = "";
      renderVerdict(null);
      return;
    }
    var item = listItem(position);
    if (item) {
      item.setAttribute("aria-current", "true");
      item.scrollIntoView({ block: "nearest" });
    }
    renderHead(c);
    renderBanners(c);
    renderNote(c);
    renderRoute(c);
    renderCriteria(c);
    renderFacts(c);
    renderVerdict(c);
    $("note-pane").scrollTop = 0;
  }

  function currentCase() {
    var index = view.visible[view.position];
    return index === undefined ? null : cases[index];
  }

  function renderHead(c) {
    var head = $("case-head");
    head.textContent = "";
    head.appendChild(el("h2", "case-title", c.id));
    var line = el("p", "case-meta");
    line.appendChild(el("span", "badge route-" + c.route, c.route));
    line.appendChild(el("span", "badge det-" + c.determination, c.determination.replace(/_/g, " ")));
    if (c.policy) { line.appendChild(el("span", "policy", c.policy)); }
    line.appendChild(el("span", "position", "case " + (view.position + 1) + " of " + view.visible.length));
    head.appendChild(line);
  }

  function renderBanners(c) {
    var banners = $("banners");
    banners.textContent = "";
    if (c.error) { banners.appendChild(el("p", "banner error", "Unreadable document — " + c.error)); }
    c.warnings.forEach(function (w) { banners.appendChild(el("p", "banner warning", w)); });
  }

  function renderNote(c) {
    var note = $("note");
    var fragment = document.createDocumentFragment();
    c.segments.forEach(function (segment) {
      var text = segment[0];
      var covering = segment[1];
      if (covering.length === 0) {
        fragment.appendChild(document.createTextNode(text));
        return;
      }
      var mark = el("mark", "hl " + spanColour(c, covering[0]), text);
      mark.dataset.s = covering.join(" ");
      if (covering.length > 1) { mark.classList.add("overlap"); }
      mark.title = covering.map(function (i) { return c.spans[i].cited_by.join(", "); }).join(" · ");
      fragment.appendChild(mark);
    });
    note.textContent = "";
    if (!c.has_text) { note.appendChild(el("span", "no-text", "No note text to show.")); }
    note.appendChild(fragment);
  }

  function quoteButton(c, index) {
    var span = c.spans[index];
    var button = el("button", "quote " + spanColour(c, index), span.text);
    button.type = "button";
    button.dataset.span = index;
    if (span.highlighted) {
      button.title = "Show in the note";
      button.addEventListener("click", function () { jump(index); });
    } else {
      button.disabled = true;
      button.title = "Not highlighted: the quote is not at its offsets in this note";
    }
    return button;
  }

  // The route and every reason it pends, each naming its kind and criterion.
  function renderRoute(c) {
    var box = $("route-box");
    box.textContent = "";
    box.appendChild(el("p", "route-line route-" + c.route, c.route === "approve"
      ? "approve: every required criterion met, nothing to check"
      : c.route === "pend" ? "pend: a reviewer decides" : "no route in this record"));
    if (c.pend_reasons.length === 0) { return; }
    var list = el("ul", "reasons");
    c.pend_reasons.forEach(function (reason) {
      var item = el("li", "reason-item");
      item.appendChild(el("span", "reason-kind", reason.kind.replace(/_/g, " ")));
      if (reason.criterion) { item.appendChild(el("span", "reason-criterion", reason.criterion)); }
      item.appendChild(el("span", "reason-message", reason.message));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function renderCriteria(c) {
    var body = $("criteria").tBodies[0];
    body.textContent = "";
    c.criteria.forEach(function (criterion) {
      var row = el("tr", "status-" + criterion.status);
      var name = el("td", "criterion-name");
      name.appendChild(el("span", "swatch " + colourClass(criterion.colour)));
      // A zero-width space after each underscore lets long ids wrap between words.
      name.appendChild(el("span", "name", criterion.id.replace(/_/g, "_\u200b")));
      name.appendChild(el("br"));
      name.appendChild(el("span", "status " + criterion.status, criterion.status.replace(/_/g, " ")));
      if (!criterion.required) { name.appendChild(el("span", "optional", "optional")); }
      row.appendChild(name);
      var reason = el("td", "reason");
      reason.appendChild(el("div", null, criterion.reason));
      criterion.spans.forEach(function (i) { reason.appendChild(quoteButton(c, i)); });
      row.appendChild(reason);
      body.appendChild(row);
    });
    if (c.criteria.length === 0) {
      var empty = el("tr");
      var cell = el("td", "empty", "No criteria in this record.");
      cell.colSpan = 2;
      empty.appendChild(cell);
      body.appendChild(empty);
    }
  }

  function renderFacts(c) {
    var body = $("facts").tBodies[0];
    body.textContent = "";
    c.facts.forEach(function (fact) {
      var row = el("tr");
      row.appendChild(el("th", null, fact.name));
      var value = el("td", null);
      value.appendChild(el("span", "fact-value", fact.value));
      fact.spans.forEach(function (i) { value.appendChild(quoteButton(c, i)); });
      row.appendChild(value);
      body.appendChild(row);
    });
  }

  // Scrolls to every piece of a span in the note and flashes it.
  function jump(index) {
    var marks = $("note").querySelectorAll('mark[data-s~="' + index + '"]');
    if (marks.length === 0) { return; }
    marks[0].scrollIntoView({ block: "center", behavior: selftest ? "auto" : "smooth" });
    Array.prototype.forEach.call(marks, function (mark) {
      mark.classList.remove("flash");
      void mark.offsetWidth; // restart the animation
      mark.classList.add("flash");
    });
  }

  // ---- verdicts -----------------------------------------------------------------

  function renderVerdict(c) {
    var v = c ? verdictOf(c) : "";
    $("agree").setAttribute("aria-pressed", String(v === "agree"));
    $("disagree").setAttribute("aria-pressed", String(v === "disagree"));
    $("agree").disabled = $("disagree").disabled = $("comment").disabled = !c;
    $("comment").value = c && verdicts[c.id] ? verdicts[c.id].comment || "" : "";
    renderProgress();
  }

  function renderProgress() {
    var decided = cases.filter(function (c) { return verdictOf(c) !== ""; }).length;
    $("progress").textContent = decided + " of " + cases.length + " reviewed";
    $("storage-warning").hidden = store.persistent;
  }

  function update(c, change) {
    var entry = verdicts[c.id] || { verdict: "", comment: "" };
    change(entry);
    entry.reviewer = store.state.reviewer || entry.reviewer || "";
    entry.timestamp = new Date().toISOString();
    verdicts[c.id] = entry;
    store.save();
    var item = listItem(view.position);
    if (item) { markListItem(item, c); }
  }

  function setVerdict(verdict) {
    var c = currentCase();
    if (!c) { return; }
    update(c, function (entry) { entry.verdict = entry.verdict === verdict ? "" : verdict; });
    renderVerdict(c);
  }

  function csvField(value) {
    var text = String(value === undefined || value === null ? "" : value);
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  // A leading = + - @ (or tab, carriage return) would make a spreadsheet run
  // the cell as a formula when the verdicts are opened: a comment, a
  // reviewer's name and an id (a file name anyone can choose) alike, so it
  // gets a quote: the rule of necessity_record::spreadsheet, which `run
  // --format csv` applies and `agreement` undoes.
  function spreadsheetSafe(value) {
    var text = String(value === undefined || value === null ? "" : value);
    return /^[=+\-@\t\r]/.test(text) ? "'" + text : text;
  }

  // Every case of the page, decided or not, in page order; each row names the
  // reviewer (who decided it, else whoever exports), so rows merged from
  // several reviewers' files still say whose they are.
  function buildCsv() {
    var lines = [COLUMNS.join(",")];
    var exporter = store.state.reviewer || "";
    cases.forEach(function (c) {
      var entry = verdicts[c.id] || {};
      lines.push([c.id, c.determination, entry.verdict, entry.comment, entry.reviewer || exporter, entry.timestamp]
        .map(spreadsheetSafe).map(csvField).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  function exportCsv() {
    var named = (store.state.reviewer || "").trim() !== "";
    $("export-hint").hidden = named;
    if (!named) {
      $("reviewer").focus();
      return;
    }
    // A byte-order mark makes spreadsheets read the file as UTF-8; `agreement` skips it.
    var blob = new Blob(["\ufeff" + buildCsv()], { type: "text/csv;charset=utf-8" });
    var url = URL.createObjectURL(blob);
    var link = el("a");
    link.href = url;
    link.download = "verdicts-" + data.key + ".csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  }

  // ---- keyboard -------------------------------------------------------------------

  function step(delta) {
    var next = view.position + delta;
    if (next >= 0 && next < view.visible.length) { show(next); }
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var tag = event.target.tagName;
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT") {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var actions = {
      j: function () { step(1); }, ArrowDown: function () { step(1); }, ArrowRight: function () { step(1); },
      k: function () { step(-1); }, ArrowUp: function () { step(-1); }, ArrowLeft: function () { step(-1); },
      a: function () { setVerdict("agree"); },
      d: function () { setVerdict("disagree"); },
      c: function () { $("comment").focus(); }
    };
    var action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  }

  // ---- start --------------------------------------------------------------------

  function start() {
    $("title").textContent = data.title;
    document.title = data.title;
    $("reviewer").value = store.state.reviewer || "";
    $("reviewer").addEventListener("input", function (e) {
      store.state.reviewer = e.target.value;
      if (e.target.value.trim() !== "") { $("export-hint").hidden = true; }
      store.save();
    });
    $("comment").addEventListener("input", function (e) {
      var c = currentCase();
      if (c) { update(c, function (entry) { entry.comment = e.target.value; }); }
    });
    $("agree").addEventListener("click", function () { setVerdict("agree"); });
    $("disagree").addEventListener("click", function () { setVerdict("disagree"); });
    $("export").addEventListener("click", exportCsv);
    $("verdict-filter").addEventListener("change", function (e) { setFilter(view.determination, e.target.value); });
    $("route-filter").addEventListener("change", function (e) { setRoute(e.target.value); });
    $("case-list").addEventListener("click", function (e) {
      var item = e.target.closest("li[data-position]");
      if (item) { show(Number(item.dataset.position)); }
    });
    document.addEventListener("keydown", onKey);
    renderFilters();
    renderRouteFilter();
    setFilter("", "");
    showLinkedCase();
  }

  // A link ending in #case=<id> opens that case, so reviewers can point at one.
  function showLinkedCase() {
    var prefix = "#case=";
    if (location.hash.indexOf(prefix) !== 0) { return; }
    var id = decodeURIComponent(location.hash.slice(prefix.length));
    var position = view.visible.findIndex(function (i) { return cases[i].id === id; });
    if (position >= 0) { show(position); }
  }

  // ---- self-test (#selftest): results for the end-to-end test to read -------------

  function average(runs, action) {
    var t = performance.now();
    for (var i = 0; i < runs; i++) { action(i); }
    return (performance.now() - t) / runs;
  }

  // The length of the text the page shows: its text nodes, not the data
  // its scripts carry.
  function shownTextLength() {
    var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    var length = 0;
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      var tag = node.parentNode.tagName;
      if (tag !== "SCRIPT" && tag !== "STYLE") { length += node.nodeValue.length; }
    }
    return length;
  }

  function runSelfTest(loaded) {
    var result = { load_ms: loaded, parse_ms: parsed - started, cases: {}, foreign_elements: 0 };
    var determinations = Object.keys(cases.reduce(function (seen, c) { seen[c.determination] = 1; return seen; }, {}));
    result.filter_ms = average(determinations.length, function (i) { setFilter(determinations[i], ""); });
    result.filter_counts = {};
    determinations.forEach(function (d) {
      setFilter(d, "");
      result.filter_counts[d] = $("case-list").querySelectorAll("li[data-position]").length;
    });
    setFilter("", "");
    result.route_filter_counts = {};
    ["approve", "pend"].forEach(function (route) {
      var select = $("route-filter");
      select.value = route;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      result.route_filter_counts[route] = $("case-list").querySelectorAll("li[data-position]").length;
    });
    setRoute("");
    result.step_ms = average(Math.min(100, cases.length), function () { step(1); });
    show(0);
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "j", bubbles: true }));
    result.after_j = currentCase() ? currentCase().id : null;
    show(0);
    // How much text the page holds with one case shown: one note at a time,
    // however many cases the page carries.
    result.dom_text_bytes = shownTextLength();
    var checked = location.hash.indexOf("=") > 0 ? Number(location.hash.split("=")[1]) : cases.length;
    cases.slice(0, checked).forEach(function (c, position) {
      show(position);
      var note = $("note");
      result.foreign_elements += note.querySelectorAll("*:not(mark):not(.no-text)").length;
      result.cases[c.id] = {
        text_matches: c.has_text && note.textContent === c.segments.map(function (s) { return s[0]; }).join(""),
        warnings: c.warnings.length,
        route_reasons: Array.prototype.map.call($("route-box").querySelectorAll("li.reason-item"),
          function (li) { return li.textContent; }),
        spans: c.spans.map(function (span, i) {
          var pieces = note.querySelectorAll('mark[data-s~="' + i + '"]');
          return {
            cited_by: span.cited_by,
            marked: Array.prototype.map.call(pieces, function (m) { return m.textContent; }).join("")
          };
        })
      };
    });
    result.flash = checkFlash();
    result.csv = recordVerdicts();
    result.pwned = window.__pwned === undefined ? null : String(window.__pwned);
    var out = $("selftest");
    out.textContent = JSON.stringify(result);
    out.hidden = false;
  }

  // Clicks the first quote of a highlighted criterion span and reports whether it flashed.
  function checkFlash() {
    for (var position = 0; position < cases.length; position++) {
      show(position);
      var button = $("criteria").querySelector("button.quote:not([disabled])");
      if (button) {
        button.click();
        var mark = $("note").querySelector('mark[data-s~="' + button.dataset.span + '"]');
        return { id: currentCase().id, quote: button.textContent, flashed: mark.classList.contains("flash") };
      }
    }
    return null;
  }

  // Marks the first case agreed and the second disagreed (with an awkward
  // comment) through the page's own controls, then exports.
  function recordVerdicts() {
    var reviewer = $("reviewer");
    reviewer.value = "self test";
    reviewer.dispatchEvent(new Event("input", { bubbles: true }));
    show(0);
    $("agree").click();
    if (cases.length > 1) {
      show(1);
      $("disagree").click();
      var comment = $("comment");
      comment.value = 'BSA is "5%", not 15%,\nsee plan';
      comment.dispatchEvent(new Event("input", { bubbles: true }));
    }
    return buildCsv();
  }

  start();
  var loaded = performance.now();
  if (selftest) { runSelfTest(loaded); }
})();
