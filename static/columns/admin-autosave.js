// Autosave of the episode change form (columns/autosave.py): every few seconds,
// if the form changed, its fields are posted to the editor's autosave; an
// autosave newer than the last save can be put back into the form.
(function () {
  "use strict";
  var box = document.getElementById("autosave");
  var form = document.getElementById("episode_form");
  if (!box || !form) return;
  var SKIPPED = ["csrfmiddlewaretoken", "based_on_version"];
  var status = document.getElementById("autosave-status");
  var interval = Math.max(parseFloat(box.dataset.interval || "30"), 0.5) * 1000;
  var backupKey = "episode-autosave:" + box.dataset.url;

  function serialize() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (SKIPPED.indexOf(name) === -1 && typeof value === "string") params.append(name, value);
    });
    return params.toString();
  }

  var last = serialize();

  function baseVersion() {
    var field = form.querySelector("[name=based_on_version]");
    return field ? field.value : "";
  }

  function csrfToken() {
    var field = form.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // The add page of an episode never saved: its browser copy has no "last
  // save" to be older than, so it is dropped when the form is sent (the
  // server keeps its own copy until an episode is added from it).
  var newEpisode = box.dataset.newEpisode === "true";

  var stopped = false;
  form.addEventListener("submit", function () {
    stopped = true; // the form is being saved for real
    if (newEpisode) {
      try {
        window.localStorage.removeItem(backupKey);
      } catch (e) {
        // nothing kept, nothing to drop
      }
    }
  });

  function save() {
    var now = serialize();
    if (stopped || now === last) return;
    try {
      window.localStorage.setItem(backupKey, JSON.stringify({ at: Date.now(), form: now }));
    } catch (e) {
      // private mode or full storage: the server copy still counts
    }
    fetch(box.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-CSRFToken": csrfToken(),
      },
      body: now + "&based_on_version=" + encodeURIComponent(baseVersion()),
    })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (answer) {
        last = now;
        status.textContent = answer.message;
      })
      .catch(function () {
        status.textContent =
          "자동 저장하지 못했습니다. 로그인이 끝났다면 다른 창에서 다시 로그인하세요. " +
          "이 브라우저에는 사본을 남겨 두었습니다.";
      });
  }

  function fill(data) {
    Array.prototype.forEach.call(form.elements, function (field) {
      var name = field.name;
      if (!name || SKIPPED.indexOf(name) !== -1 || field.type === "submit") return;
      var values = data[name];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = !!values && values.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT" && field.multiple) {
        Array.prototype.forEach.call(field.options, function (option) {
          option.selected = !!values && values.indexOf(option.value) !== -1;
        });
      } else if (values) {
        field.value = values[0];
      }
    });
  }

  var offer = document.getElementById("autosave-offer");
  var kept = document.getElementById("autosave-data");
  if (offer && kept) {
    document.getElementById("autosave-restore").addEventListener("click", function () {
      fill(JSON.parse(kept.textContent) || {});
      offer.hidden = true;
      status.textContent = "자동 저장본을 양식에 채웠습니다. 확인한 뒤 저장하세요.";
    });
    document.getElementById("autosave-dismiss").addEventListener("click", function () {
      offer.hidden = true;
    });
  }

  // No server copy offered, but this browser kept one newer than the last save
  // (the server could not be reached, e.g. the session had expired): offer it.
  function offerBrowserCopy() {
    var copy;
    try {
      copy = JSON.parse(window.localStorage.getItem(backupKey) || "null");
    } catch (e) {
      copy = null;
    }
    var lastSaved = Date.parse(box.dataset.lastSaved || "") || 0;
    if (!copy || !copy.form || copy.form === last || !(copy.at > lastSaved)) return;
    var data = {};
    new URLSearchParams(copy.form).forEach(function (value, name) {
      (data[name] = data[name] || []).push(value);
    });
    var note = document.createElement("div");
    note.id = "autosave-browser-offer";
    note.className = "autosave-offer";
    note.setAttribute("role", "alert");
    var text = document.createElement("p");
    text.textContent =
      "이 브라우저에 " + new Date(copy.at).toLocaleString("ko-KR") +
      "에 남겨 둔 사본이 있습니다(서버에 자동 저장하지 못한 내용).";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button";
    button.textContent = "브라우저 사본으로 양식 채우기";
    button.addEventListener("click", function () {
      fill(data);
      note.hidden = true;
      status.textContent = "브라우저 사본을 양식에 채웠습니다. 확인한 뒤 저장하세요.";
    });
    note.appendChild(text);
    note.appendChild(button);
    box.insertBefore(note, status);
  }

  if (!offer) offerBrowserCopy();
  window.setInterval(save, interval);
})();
