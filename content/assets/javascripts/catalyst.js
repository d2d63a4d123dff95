/*
 * Catalyst's progressive enhancement. Every page works without JavaScript; with it, the
 * Resources page shows one grid of cards, newest first, with buttons that filter it by kind
 * (without it, the page lists one group of cards per kind, and the kinds are links to them).
 */
(function () {
  "use strict";

  function enhanceResources(root) {
    var nav = root.querySelector("nav.catalyst-filters");
    var groups = Array.prototype.slice.call(root.querySelectorAll(".catalyst-kind-group"));
    if (!nav || nav.hasAttribute("data-enhanced") || groups.length === 0) {
      return;
    }
    nav.setAttribute("data-enhanced", "");

    // One grid, newest first: the page gave each card its rank on the page.
    var cards = [];
    groups.forEach(function (group) {
      group.querySelectorAll(".grid.cards > ul > li").forEach(function (card) {
        var label = card.querySelector(".catalyst-kind[data-rank]");
        card.setAttribute("data-kind", group.getAttribute("data-kind"));
        cards.push({ card: card, rank: label ? Number(label.getAttribute("data-rank")) : 0 });
      });
    });
    cards.sort(function (a, b) { return a.rank - b.rank; });

    var grid = document.createElement("div");
    grid.className = "grid cards catalyst-all-kinds";
    var list = document.createElement("ul");
    cards.forEach(function (item) { list.appendChild(item.card); });
    grid.appendChild(list);
    groups[0].parentNode.insertBefore(grid, groups[0]);
    groups.forEach(function (group) { group.hidden = true; });

    // The links to each group become toggle buttons, with "All" first.
    var status = document.createElement("p");
    status.className = "catalyst-filter-status";
    status.setAttribute("role", "status");
    nav.parentNode.insertBefore(status, nav.nextSibling);

    var choices = [{ kind: "", label: "All (" + cards.length + ")" }];
    nav.querySelectorAll("a[data-kind]").forEach(function (link) {
      choices.push({ kind: link.getAttribute("data-kind"), label: link.textContent.trim() });
    });
    nav.textContent = "";
    nav.setAttribute("aria-label", "Show resources of one kind");

    var buttons = choices.map(function (choice) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "md-button";
      button.textContent = choice.label;
      button.setAttribute("data-kind", choice.kind);
      button.addEventListener("click", function () { show(choice); });
      nav.appendChild(button);
      return button;
    });

    // Each card's topics (its resource's tags) filter too: one button per topic.
    var topics = [];
    cards.forEach(function (item) {
      item.tags = Array.prototype.map.call(item.card.querySelectorAll(".catalyst-tag"),
        function (tag) { return tag.textContent.trim(); });
      item.tags.forEach(function (tag) { if (topics.indexOf(tag) < 0) { topics.push(tag); } });
    });
    topics.sort();
    if (topics.length) {
      var topicNav = document.createElement("nav");
      topicNav.className = "catalyst-topics";
      topicNav.setAttribute("aria-label", "Show resources on one topic");
      nav.parentNode.insertBefore(topicNav, nav.nextSibling);
      topics.forEach(function (topic) {
        var choice = { kind: "", tag: topic, label: topic };
        var button = document.createElement("button");
        button.type = "button";
        button.className = "md-button catalyst-topic";
        button.textContent = "#" + topic;
        button.setAttribute("data-tag", topic);
        button.addEventListener("click", function () { show(choice); });
        topicNav.appendChild(button);
        buttons.push(button);
      });
    }

    function show(choice) {
      var shown = 0;
      cards.forEach(function (item) {
        var match = choice.tag ? item.tags.indexOf(choice.tag) >= 0
          : !choice.kind || item.card.getAttribute("data-kind") === choice.kind;
        item.card.hidden = !match;
        shown += match ? 1 : 0;
      });
      buttons.forEach(function (button) {
        var pressed = choice.tag ? button.getAttribute("data-tag") === choice.tag
          : !button.hasAttribute("data-tag") && button.getAttribute("data-kind") === choice.kind;
        button.setAttribute("aria-pressed", String(pressed));
      });
      status.textContent = choice.tag
        ? "Showing " + shown + " of " + cards.length + " resources on " + choice.tag
        : choice.kind
        ? "Showing " + shown + " of " + cards.length + " resources: " + choice.label.replace(/ \(\d+\)$/, "")
        : "Showing all " + cards.length + " resources, newest first";
    }

    // A link to one kind (resources/#video) opens with that kind chosen.
    var wanted = decodeURIComponent(location.hash.slice(1));
    show(choices.filter(function (c) { return c.kind && c.kind === wanted; })[0] || choices[0]);
  }

  // Material wraps each table in a box that scrolls sideways on a phone: a keyboard must be
  // able to reach it (and a screen reader to name it) to scroll it.
  function focusableTables(root) {
    root.querySelectorAll(".md-typeset__scrollwrap").forEach(function (box) {
      if (!box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Table (scrolls sideways)");
      }
    });
  }

  // At once (this script comes last, the page above it is parsed): the grid replaces the
  // groups as early as it can, rather than after Material's bundle has started.
  enhanceResources(document);
  // Material's `document$` emits on every page load, including instant navigation.
  if (typeof document$ !== "undefined") {
    document$.subscribe(function () {
      enhanceResources(document);
      focusableTables(document);
    });
  } else {
    document.addEventListener("DOMContentLoaded", function () { enhanceResources(document); });
  }
})();
