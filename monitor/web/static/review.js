// policywatch review UI: keyboard shortcuts and the approve confirmation dialog.
// Everything works without this script (forms post, approval asks on a confirmation page);
// it only makes review faster. Shortcuts are ignored while typing in a field (Esc leaves it).
(function () {
  "use strict";

  function typing(element) {
    if (!element) return false;
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  function openDialog(id, focusId) {
    var dialog = document.getElementById(id);
    if (!dialog || dialog.open) return false;
    dialog.showModal();
    var target = focusId ? document.getElementById(focusId) : null;
    if (target) target.focus();
    return true;
  }

  function focusField(field) {
    if (!field) return false;
    field.focus();
    if (typeof field.select === "function") field.select();
    return true;
  }

  // A list of things to move through with j / k: change cards, or queue rows.
  function Cursor(items, onMove) {
    this.items = items;
    this.index = -1;
    this.onMove = onMove;
  }
  Cursor.prototype.move = function (step) {
    if (!this.items.length) return false;
    var next = this.index + step;
    if (this.index < 0) next = step > 0 ? 0 : this.items.length - 1;
    next = Math.max(0, Math.min(this.items.length - 1, next));
    if (this.index >= 0) this.items[this.index].classList.remove("current");
    this.index = next;
    var item = this.items[next];
    item.classList.add("current");
    this.onMove(item);
    return true;
  };
  Cursor.prototype.current = function () {
    if (this.index < 0) this.move(1);
    return this.index >= 0 ? this.items[this.index] : null;
  };

  function setUp() {
    var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
    var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr"));
    var cursor = cards.length
      ? new Cursor(cards, function (card) {
          card.focus({ preventScroll: true });
          card.scrollIntoView({ block: "start" });
        })
      : new Cursor(rows, function (row) {
          var link = row.querySelector("a[href]");
          if (link) link.focus();
        });

    var approveForm = document.getElementById("approve-form");
    if (approveForm && document.getElementById("confirm-approve")) {
      approveForm.addEventListener("submit", function (event) {
        event.preventDefault();
        openDialog("confirm-approve", "confirm-approve-button");
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-close]"), function (button) {
      button.addEventListener("click", function () {
        var dialog = button.closest("dialog");
        if (dialog) dialog.close();
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-help]"), function (button) {
      button.addEventListener("click", function () { openDialog("shortcuts"); });
    });

    var actions = {
      j: function () { return cursor.move(1); },
      k: function () { return cursor.move(-1); },
      o: function () {
        var row = rows.length ? cursor.current() : null;
        if (!row || !row.dataset.href) return false;
        window.location.assign(row.dataset.href);
        return true;
      },
      x: function () {
        var row = rows.length ? cursor.current() : null;
        var box = row ? row.querySelector("input[type=checkbox]") : null;
        if (!box) return false;
        box.checked = !box.checked;
        return true;
      },
      "/": function () { return focusField(document.getElementById("queue-search")); },
      e: function () {
        var card = cards.length ? cursor.current() : null;
        return focusField(card ? card.querySelector("[data-key=e]") : null);
      },
      s: function () {
        var card = cards.length ? cursor.current() : null;
        return focusField(card ? card.querySelector("[data-key=s]") : null);
      },
      u: function () {
        var field = document.getElementById("renumber-reason");
        if (!field) return false;
        field.focus();
        field.setSelectionRange(field.value.length, field.value.length);
        return true;
      },
      a: function () { return openDialog("confirm-approve", "confirm-approve-button"); },
      r: function () { return focusField(document.getElementById("reject-reason")); },
      "?": function () { return openDialog("shortcuts"); }
    };

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      var active = document.activeElement;
      if (event.key === "Escape") {
        if (typing(active)) active.blur();
        return;
      }
      if (typing(active) || document.querySelector("dialog[open]")) return;
      var action = actions[event.key];
      if (action && action()) event.preventDefault();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
