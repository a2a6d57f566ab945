/* The writer's desk: the episode admin page helps while the columnist writes.
 *
 * - Pasting an article URL asks the admin's citation endpoint what the page
 *   says and fills the row's empty headline, date and new-outlet name.
 * - Article and commentary rows get up/down buttons; their hidden position
 *   fields are rewritten from their place on the page before saving.
 * - Commentary rows name the articles on the page by number and headline.
 * - Every Markdown field gets a preview beside it, rendered by the server.
 * - After a refused save, rows with errors are opened and the first is scrolled to.
 * - Leaving the page with unsaved text asks first.
 * A static file (the site's CSP forbids inline script); no Markdown is rendered here.
 */
(function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function endpoint(name) {
    // /admin/columns/episode/add/ or /admin/columns/episode/12/change/ → …/episode/<name>/
    var match = window.location.pathname.match(/^(.*\/columns\/episode\/)/);
    return match ? match[1] + name + "/" : null;
  }

  function citationUrl() { return endpoint("citation"); }

  function post(url, fields) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
      credentials: "same-origin",
    }).then(function (response) { return response.json(); });
  }

  // Markdown preview: rendered by the server's one sanitizer, never in the browser.
  function addPreview(textarea) {
    if (textarea.dataset.deskPreview === "yes") return;
    textarea.dataset.deskPreview = "yes";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "desk-preview-button";
    button.textContent = "미리보기";
    var box = document.createElement("div");
    box.className = "desk-preview";
    box.hidden = true;
    box.setAttribute("aria-live", "polite");
    var timer = null;
    function render() {
      post(endpoint("preview"), { text: textarea.value }).then(function (answer) {
        if (answer.error) { box.textContent = answer.error; return; }
        box.innerHTML = answer.html || "<p class=\"desk-quiet\">(비어 있음)</p>";
      });
    }
    button.addEventListener("click", function () {
      box.hidden = !box.hidden;
      button.textContent = box.hidden ? "미리보기" : "미리보기 닫기";
      if (!box.hidden) render();
    });
    textarea.addEventListener("input", function () {
      if (box.hidden) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(render, 500);
    });
    textarea.parentNode.insertBefore(box, textarea.nextSibling);
    textarea.parentNode.insertBefore(button, box);
  }

  function addPreviews() {
    document.querySelectorAll("textarea[data-desk-markdown]").forEach(function (textarea) {
      if (!textarea.closest(".empty-form")) addPreview(textarea);
    });
  }

  function rowField(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }

  function setStatus(row, text, isError) {
    var box = row.querySelector(".desk-citation-status");
    if (!box) {
      box = document.createElement("p");
      box.className = "desk-citation-status";
      box.setAttribute("role", "status");
      var url = rowField(row, "url");
      url.parentNode.appendChild(box);
    }
    box.textContent = text;
    box.classList.toggle("desk-error", !!isError);
  }

  function fillIfEmpty(field, value) {
    if (field && value && (!field.value || field.dataset.deskFilled === "yes")) {
      field.value = value;
      field.dataset.deskFilled = "yes";
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function lookUp(row) {
    var url = rowField(row, "url");
    var endpoint = citationUrl();
    if (!url || !url.value.trim() || !endpoint) return;
    if (url.dataset.deskLooked === url.value.trim()) return;
    url.dataset.deskLooked = url.value.trim();
    setStatus(row, "기사 정보를 불러오는 중입니다…", false);
    post(endpoint, { url: url.value.trim() })
      .then(function (found) {
        if (found.error) { setStatus(row, found.error, true); return; }
        fillIfEmpty(rowField(row, "headline"), found.headline);
        fillIfEmpty(rowField(row, "published_on"), found.published_on);
        var outlet = rowField(row, "outlet");
        if (!outlet || !outlet.value) fillIfEmpty(rowField(row, "outlet_name"), found.outlet);
        if (found.url && found.url !== url.value) url.value = found.url;
        setStatus(row, found.message || "기사 정보를 채웠습니다. 고칠 곳이 있으면 고쳐 주세요.",
                  !!found.message);
        refreshArticleChoices();
      })
      .catch(function () { setStatus(row, "기사 정보를 불러오지 못했습니다. 직접 적어 주세요.", true); });
  }

  // Rows and their order ---------------------------------------------------
  function rows(prefix) {
    return Array.prototype.filter.call(
      document.querySelectorAll("#" + prefix + "-group .inline-related"),
      function (row) { return !row.classList.contains("empty-form") && row.id !== prefix + "-empty"; }
    );
  }

  function liveRows(prefix) {
    return rows(prefix).filter(function (row) {
      var del = rowField(row, "DELETE");
      return !(del && del.checked);
    });
  }

  function renumber(prefix) {
    liveRows(prefix).forEach(function (row, index) {
      var position = row.querySelector("[data-desk-position]");
      if (position) position.value = String(index + 1);
      var label = row.querySelector(".desk-place");
      if (label) label.textContent = (index + 1) + "번";
    });
  }

  function addMoveButtons(prefix) {
    rows(prefix).forEach(function (row) {
      if (row.querySelector(".desk-move")) return;
      var bar = document.createElement("div");
      bar.className = "desk-move";
      var place = document.createElement("span");
      place.className = "desk-place";
      [["▲", "위로", -1], ["▼", "아래로", 1]].forEach(function (spec) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = spec[0];
        button.title = spec[1];
        button.setAttribute("aria-label", spec[1]);
        button.addEventListener("click", function () { move(prefix, row, spec[2]); });
        bar.appendChild(button);
      });
      bar.insertBefore(place, bar.firstChild);
      var heading = row.querySelector("h3") || row.firstChild;
      row.insertBefore(bar, heading ? heading.nextSibling : null);
    });
    renumber(prefix);
  }

  function move(prefix, row, step) {
    var all = rows(prefix);
    var index = all.indexOf(row);
    var other = all[index + step];
    if (!other) return;
    if (step < 0) other.parentNode.insertBefore(row, other);
    else other.parentNode.insertBefore(other, row);
    renumber(prefix);
    if (prefix === "articles") refreshArticleChoices();
    markDirty();
  }

  function refreshArticleChoices() {
    var titles = liveRows("articles").map(function (row) {
      var headline = rowField(row, "headline");
      return headline && headline.value ? headline.value : "";
    });
    document.querySelectorAll("[data-desk-article-choice]").forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (option) {
        if (!option.value) return;
        var n = parseInt(option.value, 10);
        var base = n + "번 기사";
        option.textContent = titles[n - 1] ? base + " · " + titles[n - 1].slice(0, 40) : base;
        option.hidden = n > titles.length;
      });
    });
  }

  // Errors where they are ------------------------------------------------------
  function openAround(element) {
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
      if (node.classList && node.classList.contains("collapsed")) node.classList.remove("collapsed");
    }
  }

  function showErrors() {
    if (!document.querySelector(".errornote")) return;
    var errors = document.querySelectorAll("#episode_form .errorlist, #episode_form .errors");
    Array.prototype.forEach.call(errors, openAround);
    var first = document.querySelector("#episode_form .inline-related .errorlist") ||
                document.querySelector("#episode_form fieldset .errorlist");
    var row = first && (first.closest(".inline-related") || first.closest(".form-row"));
    if (row) row.scrollIntoView({ block: "start" });
    document.querySelectorAll(".desk-error-index a").forEach(function (link) {
      link.addEventListener("click", function () {
        var target = document.getElementById(link.getAttribute("href").slice(1));
        if (target) openAround(target);
      });
    });
  }

  // Leaving with unsaved text -------------------------------------------------
  var dirty = false;
  function markDirty() { dirty = true; }

  function start() {
    var form = document.querySelector("#episode_form");
    if (!form) return;
    form.addEventListener("input", markDirty);
    form.addEventListener("change", markDirty);
    form.addEventListener("submit", function () {
      renumber("articles");
      renumber("commentary");
      dirty = false;
    });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty) return;
      event.preventDefault();
      event.returnValue = "";
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name && /^articles-\d+-url$/.test(target.name)) {
        lookUp(target.closest(".inline-related"));
      }
      if (target.name && /^articles-\d+-headline$/.test(target.name)) refreshArticleChoices();
    });
    form.addEventListener("paste", function (event) {
      var target = event.target;
      if (target.name && /^articles-\d+-url$/.test(target.name)) {
        window.setTimeout(function () { lookUp(target.closest(".inline-related")); }, 0);
      }
    });
    ["articles", "commentary"].forEach(addMoveButtons);
    refreshArticleChoices();
    addPreviews();
    showErrors();
    document.addEventListener("formset:added", function () {
      ["articles", "commentary"].forEach(addMoveButtons);
      refreshArticleChoices();
      addPreviews();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
