/* Casebook public pages: progressive enhancements only. Every page works
   without this file; it adds live search suggestions and submits filter
   forms as soon as a value changes. It talks to this site only. */
(function () {
  "use strict";

  function liveSearch(container) {
    var input = container.querySelector('input[type="search"]');
    var url = container.getAttribute("data-suggest");
    if (!input || !url) return;
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent : "");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");

    var timer = null, active = -1, lastQuery = null, controller = null;

    function options() { return list.querySelectorAll('[role="option"]'); }
    function close() {
      list.hidden = true; active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function highlight(index) {
      var items = options();
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
    }
    function render(results) {
      list.textContent = "";
      results.forEach(function (result, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var a = document.createElement("a");
        a.href = result.url;
        a.textContent = result.name;
        a.tabIndex = -1;
        li.appendChild(a);
        list.appendChild(li);
      });
      active = -1;
      list.hidden = results.length === 0;
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
    }
    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) return;
      lastQuery = query;
      if (query.length < 2) { render([]); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(query), {
        headers: { "Accept": "application/json" }, credentials: "same-origin", signal: controller.signal
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (data.query === input.value.trim()) render(data.results); })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); highlight(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); highlight(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        window.location.href = options()[active].querySelector("a").href;
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 200); });
  }

  function autoSubmit(form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.matches('input[type="checkbox"], select')) {
        var page = form.querySelector('input[name="page"]');
        if (page) page.remove();
        form.submit();
      }
    });
  }

  // Filters start open (usable without JavaScript); on a phone they would push
  // the results far down, so there they start folded.
  if (window.matchMedia("(max-width: 48rem)").matches) {
    document.querySelectorAll("details[data-close-narrow]").forEach(function (d) { d.open = false; });
  }

  document.querySelectorAll("[data-suggest]").forEach(liveSearch);
  document.querySelectorAll("form[data-autosubmit]").forEach(autoSubmit);
})();
