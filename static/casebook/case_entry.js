/* The case-entry page (cases.admin_entry): new or stored source and person,
   rows added and removed, a file's text read into the page, persons maybe
   already recorded shown as the name is typed, and citing by selection: the
   passage selected in the source's text becomes a passage that supports the
   facts ticked under it. It talks to this site only; nothing is saved until
   the form is submitted. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  var form = document.getElementById("case-entry");
  if (!form) return;
  var words = JSON.parse(document.getElementById("entry-words").textContent);
  var $ = window.django && window.django.jQuery;
  var text = document.getElementById("id_source-archive_text");
  var status = document.getElementById("entry-cite-status");

  function csrf() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function debounce(fn, wait) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, wait);
    };
  }
  function say(element, message) {
    if (element) element.textContent = message;
  }
  // a select2 widget reports changes through jQuery, not DOM events
  function onSelect(select, handler) {
    if (!select) return;
    if ($) $(select).on("change", handler);
    else select.addEventListener("change", handler);
  }

  // --- new or stored ------------------------------------------------------------
  function showModes() {
    form.querySelectorAll("[data-mode-of]").forEach(function (section) {
      var checked = form.querySelector('input[name="' + section.getAttribute("data-mode-of") + '"]:checked');
      section.hidden = checked ? checked.value !== section.getAttribute("data-mode") : false;
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.type === "radio") {
      showModes();
      refreshFacts();
    }
  });
  showModes();

  // --- rows ---------------------------------------------------------------------
  function totalInput(prefix) {
    return document.getElementById("id_" + prefix + "-TOTAL_FORMS");
  }
  function addFromTemplate(template, prefix, container) {
    var total = totalInput(prefix);
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement(container.tagName === "TBODY" ? "tbody" : "ol");
    holder.innerHTML = html;
    var element = holder.firstElementChild;
    container.appendChild(element);
    total.value = String(index + 1);
    element.dispatchEvent(new CustomEvent("formset:added", { bubbles: true, detail: { formsetName: prefix } }));
    return element;
  }
  function markRemoved(element) {
    var deleted = element.querySelector('input[name$="-DELETE"]');
    if (deleted) deleted.value = "True";
    element.hidden = true;
  }
  form.querySelectorAll(".entry-rows").forEach(function (fieldset) {
    var prefix = fieldset.getAttribute("data-prefix");
    var body = fieldset.querySelector("tbody");
    var template = fieldset.querySelector("template");
    fieldset.querySelector(".entry-add-row").addEventListener("click", function () {
      var row = addFromTemplate(template, prefix, body);
      var first = row.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
      refreshFacts();
    });
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest(".entry-remove-row, .entry-remove-passage");
    if (!button) return;
    var element = button.closest(".entry-row, .entry-passage");
    markRemoved(element);
    say(status, words.removed);
    refreshFacts();
  });

  // --- the text of a file, or of a stored source ---------------------------------
  // Text typed or pasted by the researcher is never replaced; text put there from
  // a file or a stored source is, when another is chosen.
  var filled = text.value;
  function fill(value) {
    if (text.value.trim() && text.value !== filled) return false;
    text.value = filled = value;
    return true;
  }
  var fileInput = document.getElementById("id_source-archive_file");
  var fileStatus = document.getElementById("entry-extract-status");
  if (fileInput) {
    fileInput.addEventListener("change", function () {
      if (!fileInput.files.length) return;
      var data = new FormData();
      data.append("file", fileInput.files[0]);
      say(fileStatus, words.reading);
      fetch(form.getAttribute("data-extract-url"), {
        method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRFToken": csrf() }
      }).then(function (response) { return response.json(); }).then(function (answer) {
        if (answer.error) { say(fileStatus, answer.error); return; }
        if (!fill(answer.text)) { say(fileStatus, words.notReplaced); return; }
        say(fileStatus, words.read);
      }).catch(function () { say(fileStatus, ""); });
    });
  }
  onSelect(document.getElementById("id_source-stored"), function () {
    var id = this.value;
    if (!id) return;
    fetch(form.getAttribute("data-source-text-url") + "?id=" + encodeURIComponent(id), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) { if (answer.text) fill(answer.text); })
      .catch(function () {});
  });

  // --- persons maybe already recorded --------------------------------------------
  var nameInput = document.getElementById("id_person-display_name");
  var likely = document.getElementById("entry-likely");
  var likelyList = document.getElementById("entry-likely-list");
  function typedNames() {
    var names = [];
    if (nameInput && nameInput.value.trim()) names.push(nameInput.value.trim());
    form.querySelectorAll('#entry-variants .entry-row:not([hidden]) input[name$="-name"]').forEach(function (input) {
      if (input.value.trim()) names.push(input.value.trim());
    });
    return names;
  }
  var asked = 0;
  var lookUp = debounce(function () {
    var names = typedNames();
    if (!names.length) { likely.hidden = true; return; }
    var query = names.map(function (name) { return "name=" + encodeURIComponent(name); }).join("&");
    var question = ++asked;
    fetch(form.getAttribute("data-matches-url") + "?" + query, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (question !== asked) return; // an older answer arriving late
        likelyList.textContent = "";
        (answer.persons || []).forEach(function (person) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = person.url;
          link.textContent = person.name;
          item.appendChild(link);
          if (person.spellings.length) item.appendChild(document.createTextNode(" (" + person.spellings.join(", ") + ") "));
          var use = document.createElement("button");
          use.type = "button";
          use.className = "button entry-use-person";
          use.setAttribute("data-id", person.id);
          use.setAttribute("data-name", person.name);
          use.textContent = words.useThis;
          item.appendChild(document.createTextNode(" "));
          item.appendChild(use);
          likelyList.appendChild(item);
        });
        likely.hidden = !(answer.persons || []).length;
      })
      .catch(function () {});
  }, 350);
  form.addEventListener("input", function (event) {
    if (event.target === nameInput || /^variants-\d+-name$/.test(event.target.name || "")) lookUp();
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest(".entry-use-person");
    if (!button) return;
    var select = document.getElementById("id_person-stored");
    var option = new Option(button.getAttribute("data-name"), button.getAttribute("data-id"), true, true);
    select.appendChild(option);
    if ($) $(select).trigger("change");
    document.getElementById("id_person-mode_1").checked = true;
    showModes();
    refreshFacts();
    select.focus();
  });

  // --- citing by selection --------------------------------------------------------
  function pieces(value) {
    // paragraphs: text between blank lines; the last one is where the selection starts
    var parts = value.split(/\n[ \t]*\n/);
    return parts.filter(function (part, index) { return part.trim() || index === parts.length - 1; }).length;
  }
  function locator(value, start) {
    var before = value.slice(0, start);
    var found = [];
    var page = value;
    var onPage = before;
    if (value.indexOf("\f") !== -1) {
      var pageNumber = before.split("\f").length;
      found.push(words.page + " " + pageNumber);
      page = value.split("\f")[pageNumber - 1];
      onPage = before.slice(before.lastIndexOf("\f") + 1);
    }
    if (pieces(page) > 1) found.push(words.paragraph + " " + pieces(onPage));
    return found.join(", ");
  }

  function facts() {
    var list = [];
    var personMode = form.querySelector('input[name="person-mode"]:checked');
    if (personMode && personMode.value === "stored") {
      var stored = document.getElementById("id_person-stored");
      var chosen = stored.options[stored.selectedIndex];
      if (stored.value && chosen) list.push({ key: "person", label: words.person + ": " + chosen.text });
    } else if (nameInput && nameInput.value.trim()) {
      list.push({ key: "person", label: words.person + ": " + nameInput.value.trim() });
    }
    var detention = document.getElementById("entry-detention");
    var detentionValues = values(detention);
    if (detentionValues.length) list.push({ key: "detention", label: words.detention + ": " + detentionValues.slice(0, 2).join(", ") });
    form.querySelectorAll(".entry-rows[data-citable]").forEach(function (fieldset) {
      var title = fieldset.querySelector("h2").textContent;
      fieldset.querySelectorAll("tbody .entry-row:not([hidden])").forEach(function (row) {
        var rowValues = values(row);
        if (!rowValues.length) return;
        var key = row.getAttribute("data-key");
        if (key.indexOf("charges-") === 0) return; // cited through the detention
        list.push({ key: key, label: title.replace(/\s*\(.*$/, "") + ": " + rowValues.slice(0, 3).join(", ") });
      });
    });
    return list;
  }
  function values(container) {
    var found = [];
    container.querySelectorAll("input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea").forEach(function (field) {
      if (field.tagName === "SELECT") {
        var option = field.options[field.selectedIndex];
        if (field.value && option) found.push(option.text);
      } else if (field.value.trim()) {
        found.push(field.value.trim().slice(0, 40));
      }
    });
    return found;
  }

  function renderBoxes(passage, list) {
    var hidden = passage.querySelector('input[name$="-facts"]');
    var chosen = hidden.value ? hidden.value.split(",") : [];
    var boxes = passage.querySelector(".entry-fact-boxes");
    boxes.textContent = "";
    var prefix = passage.getAttribute("data-key");
    list.forEach(function (fact) {
      var id = "id_" + prefix + "-fact-" + fact.key;
      var line = document.createElement("div");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.id = id;
      box.value = fact.key;
      box.checked = chosen.indexOf(fact.key) !== -1;
      var label = document.createElement("label");
      label.htmlFor = id;
      label.className = "vCheckboxLabel";
      label.textContent = fact.label;
      line.appendChild(box);
      line.appendChild(document.createTextNode(" "));
      line.appendChild(label);
      boxes.appendChild(line);
    });
    // a ticked fact that is no longer on the page stays listed, so the server can say so
    chosen.forEach(function (key) {
      if (!list.some(function (fact) { return fact.key === key; })) {
        var line = document.createElement("div");
        line.className = "entry-fact-missing";
        line.textContent = key;
        boxes.appendChild(line);
      }
    });
    passage.querySelector(".entry-claim").hidden = chosen.indexOf("person") === -1;
  }
  var lastFacts = null;
  function refreshFacts(force) {
    var list = facts();
    var signature = JSON.stringify(list);
    if (!force && signature === lastFacts) return;
    lastFacts = signature;
    form.querySelectorAll(".entry-passage").forEach(function (passage) { renderBoxes(passage, list); });
  }
  form.addEventListener("change", function (event) {
    var box = event.target;
    var passage = box.closest && box.closest(".entry-fact-boxes") && box.closest(".entry-passage");
    if (!passage) { refreshFacts(); return; }
    var hidden = passage.querySelector('input[name$="-facts"]');
    var chosen = [];
    passage.querySelectorAll(".entry-fact-boxes input[type=checkbox]").forEach(function (other) {
      if (other.checked) chosen.push(other.value);
    });
    hidden.value = chosen.join(",");
    passage.querySelector(".entry-claim").hidden = chosen.indexOf("person") === -1;
  });
  form.addEventListener("input", debounce(function () { refreshFacts(); }, 300));
  form.querySelectorAll("select").forEach(function (select) { onSelect(select, function () { refreshFacts(); }); });

  function cite() {
    var start = text.selectionStart, end = text.selectionEnd;
    var excerpt = text.value.slice(start, end).trim();
    if (!excerpt) { say(status, words.noSelection); text.focus(); return; }
    var list = facts();
    var passage = addFromTemplate(
      document.getElementById("entry-passage-template"), "passages", document.getElementById("entry-passage-list")
    );
    passage.querySelector('textarea[name$="-excerpt"]').value = excerpt.replace(/\s*\f\s*/g, " ");
    passage.querySelector('input[name$="-locator"]').value = locator(text.value, start + text.value.slice(start, end).search(/\S/));
    renderBoxes(passage, list);
    lastFacts = JSON.stringify(list);
    say(status, list.length ? words.added : words.noFacts);
    var first = passage.querySelector(".entry-fact-boxes input");
    (first || passage.querySelector("textarea")).focus();
  }
  document.getElementById("entry-cite").addEventListener("click", cite);
  text.addEventListener("keydown", function (event) {
    if (event.altKey && (event.key === "c" || event.key === "C" || event.code === "KeyC")) {
      event.preventDefault();
      cite();
    }
  });

  refreshFacts(true);
});
