// consult: the little behaviour htmx attributes cannot express. No inline scripts (CSP).
(function () {
  "use strict";

  // The top bar's menu folds away on a phone (static/consult.css) only when this script runs:
  // without it the menu stays open.
  document.documentElement.classList.add("js");
  function foldMenu(header, open) {
    header.classList.toggle("menu-open", open);
    var toggle = header.querySelector("[data-menu-toggle]");
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-menu-toggle]");
    if (!toggle) return;
    var header = toggle.closest("header");
    foldMenu(header, !header.classList.contains("menu-open"));
  });
  // The language buttons come back to the page the reader is on: htmx moves the address
  // (a search typed, a filter chosen) without a new page, so their "next" follows it.
  function followAddress() {
    var here = window.location.pathname + window.location.search;
    document.querySelectorAll("form.language-switch input[name=next]").forEach(function (input) {
      input.value = here;
    });
  }
  document.addEventListener("htmx:pushedIntoHistory", followAddress);
  document.addEventListener("htmx:replacedInHistory", followAddress);
  window.addEventListener("popstate", followAddress);
  // The count of new items sits in the folded menu: the button shows it too.
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    var mirror = document.querySelector("header.topbar .menu-count");
    if (target && target.id === "nav-new-count" && mirror) mirror.innerHTML = target.innerHTML;
  });
  document.addEventListener("keydown", function (event) {
    var header = document.querySelector("header.topbar.menu-open");
    if (event.key !== "Escape" || !header) return;
    foldMenu(header, false);
    header.querySelector("[data-menu-toggle]").focus();
  });

  // Chat habit: Enter sends, Shift+Enter starts a new line.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("textarea[data-enter-submits]")) return;
    if (event.key !== "Enter" || event.shiftKey || event.isComposing) return;
    event.preventDefault();
    if (target.value.trim() && target.form) target.form.requestSubmit();
  });

  // After a successful save, empty the form (never after an error: no lost work).
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form[data-reset-on-success]")) return;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status < 200 || status >= 300) return;
    // htmx names the form as the element of requests its fields send too (a preview from a
    // radio button inside it): only the form's own action empties it.
    var config = event.detail.requestConfig;
    if (config && config.path && config.path !== form.getAttribute("hx-post")) return;
    form.reset();
    form.querySelectorAll("textarea").forEach(function (t) { t.value = ""; });
    form.querySelectorAll("input[type=checkbox]").forEach(function (c) { c.checked = false; });
    document.querySelectorAll("input[form='" + form.id + "']").forEach(function (c) { c.checked = false; });
    form.querySelectorAll(".md-preview, #preview").forEach(function (p) { p.innerHTML = ""; });
    var first = form.querySelector("textarea, input:not([type=hidden])");
    if (first && form.matches(".chat-input")) first.focus();
  });

  // A form that stays on the page gets its next one-time key from the server (X-Form-Key):
  // the server stores a form once however often it is sent, so the next, different
  // submission needs a key of its own.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var key = xhr ? xhr.getResponseHeader("X-Form-Key") : null;
    var elt = event.detail.elt;
    var form = elt && elt.closest ? elt.closest("form") : null;
    var field = form ? form.querySelector("input[name=form_key]") : null;
    if (key && field) field.value = key;
  });

  // A boosted link or form (a whole page) answered with a page of its own for a 4xx, such as
  // the login form with "E-mailadres of wachtwoord klopt niet." (401) or a form with its
  // errors: show that page, as the browser would without htmx, not a generic toast.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!event.detail.boosted || xhr.status < 400 || xhr.status >= 500) return;
    if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") !== 0) return;
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  });

  // The answer panel (templates/reactions/show.html): ticking a point asks the server to write
  // the ticked points as a selection ("1 t/m 3, 5"); a typed selection comes back as the
  // points to tick. consult/ranges.py is the one parser; this only applies its answer.
  document.addEventListener("change", function (event) {
    var state = document.getElementById("selection-state");
    if (state && window.htmx && event.target.matches && event.target.matches("input.pick")) {
      window.htmx.trigger(state, "picked");
    }
  });
  // The selection page (templates/bulk/selection.html): ticking a point means "only the
  // ticked points"; without JavaScript the server reads ticks without a scope the same way.
  document.addEventListener("change", function (event) {
    var t = event.target;
    if (!t.matches || !t.matches("#bulk-form input[name=point_ids]")) return;
    var ticked = document.querySelectorAll("#bulk-form input[name=point_ids]:checked").length;
    var some = document.getElementById("scope-some");
    var all = document.getElementById("scope-all");
    if (some && ticked) some.checked = true;
    else if (all && !ticked) all.checked = true;
  });
  document.addEventListener("htmx:load", function (event) {
    var state = event.detail.elt;
    if (!state || state.id !== "selection-state") return;
    if (state.hasAttribute("data-selection")) {
      var typed = document.getElementById("answer-selection");
      if (typed) typed.value = state.getAttribute("data-selection");
      return;
    }
    if (!state.hasAttribute("data-ids")) return;
    var ids = state.getAttribute("data-ids").split(" ");  // none: a selection not understood
    var first = null;
    document.querySelectorAll("input.pick").forEach(function (box) {
      box.checked = ids.indexOf(box.value) !== -1;
      if (box.checked && !first) first = box;
    });
    // the first chosen point in view, above a panel docked at the foot of a narrow screen
    if (first) first.closest(".point").scrollIntoView({block: "nearest"});
  });

  // The channel's poll also sends the reactions that became live with an older id (a board's
  // draft submitted, a withdrawn one restored), and may send one again a minute on: a row the
  // page has takes the place of the one shown instead of being appended a second time
  // (consult/consultations.py, changes).
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    if (!event.detail.target || event.detail.target.id !== "channel" || !fragment) return;
    Array.prototype.slice.call(fragment.children).forEach(function (row) {
      var shown = row.id && document.getElementById(row.id);
      if (!shown) return;
      shown.replaceWith(row);
      if (window.htmx) window.htmx.process(row);
    });
  });
  // A page of the channel loaded on scrolling may hold a reaction a poll appended at the end
  // meanwhile: the one in its place in the channel stays.
  document.addEventListener("htmx:load", function (event) {
    var row = event.detail.elt;
    if (!row.matches || !row.matches("#channel > li.reaction[id]")) return;
    document.querySelectorAll("#channel > li.reaction").forEach(function (other) {
      if (other !== row && other.id === row.id) other.remove();
    });
  });

  // Errors htmx does not swap (403, 500, lost connection) get a visible message.
  function toast(message) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(function () { box.hidden = true; }, 8000);
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = (xhr.getResponseHeader("Content-Type") || "").indexOf("text/plain") === 0
      ? xhr.responseText : "";
    toast(text || document.body.dataset.errorMessage + " (" + xhr.status + ")");
  });
  // The header search's drop-down: open while it has results, Escape or a click elsewhere closes.
  function closeQuick() {
    var panel = document.getElementById("quick-results");
    if (panel) panel.innerHTML = "";
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target.closest && event.target.closest(".header-search")) {
      closeQuick();
      document.getElementById("header-q").focus();
    }
    if (event.key === "ArrowDown" && event.target.id === "header-q") {
      var first = document.querySelector("#quick-results a");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".header-search")) closeQuick();
  });
  document.addEventListener("htmx:sendError", function () {
    toast(document.body.dataset.offlineMessage);
  });
  // A download link (data-busy) shows that the file is being made: the server sets a cookie
  // with the link's token when it sends the file (views/reports.py, _say_ready).
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-busy]") : null;
    if (!link) return;
    if (link.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
    var token = Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
    var url = new URL(link.href, document.baseURI);
    url.searchParams.set("klaar", token);
    link.href = url.toString();
    link.setAttribute("aria-busy", "true");
    link.dataset.label = link.textContent;
    link.textContent = link.dataset.busy;
    var started = Date.now();
    var timer = setInterval(function () {
      var ready = document.cookie.indexOf("consult-download=" + token) !== -1;
      if (!ready && Date.now() - started < 120000) return;
      clearInterval(timer);
      link.textContent = link.dataset.label;
      link.removeAttribute("aria-busy");
    }, 250);
  });

  // A step that cannot be undone asks once (data-confirm on its button); cancelling sends nothing.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (!button || window.confirm(button.dataset.confirm)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);

  // Work under way: a form that was sent shows it (aria-busy, its buttons disabled) until the
  // answer arrives, so a double click sends it once. The server recognises a repeat anyway
  // (consult/submissions.py); this is what the person sees.
  function busy(form, on) {
    form.setAttribute("aria-busy", on ? "true" : "false");
    form.querySelectorAll("button:not([type=button]), input[type=submit]").forEach(function (b) {
      if (on && !b.disabled) { b.disabled = true; b.dataset.busyOff = "1"; }
      if (!on && b.dataset.busyOff) { b.disabled = false; delete b.dataset.busyOff; }
    });
  }
  function sentForm(event) {
    var elt = event.detail.elt;
    return elt && elt.tagName === "FORM" ? elt : null;  // not a preview from a field inside it
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = sentForm(event);
    if (form) busy(form, true);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = sentForm(event);
    if (form) busy(form, false);
  });
  // A form sent without htmx (a whole page): mark it after the browser has read the button
  // it was sent with, and unmark it when the page comes back from the back/forward cache.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.getAttribute("hx-boost") !== "false") return;
    setTimeout(function () { busy(form, true); }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[aria-busy=true]").forEach(function (f) { busy(f, false); });
  });
})();
