// Kunskapsassistenten: Swedish accessible names for Chainlit's icon-only controls.
// Chainlit renders these buttons with an icon and a hover tooltip only, so a screen reader
// announces "button" and nothing else. The page is rendered by React and changes all the
// time, hence a MutationObserver that labels controls as they appear.
(function () {
  "use strict";
  var BY_SELECTOR = [
    ["#chat-submit", "Skicka frågan"],
    ["#stop-button", "Avbryt svaret"],
    ["#chat-settings-open-modal", "Sökfilter"],
    ["#chat-settings-header-button", "Sökfilter"],
    ["#new-chat-button", "Ny konversation"],
    ["#theme-toggle", "Byt färgtema"],
    ["#sidebar-trigger-button", "Visa eller dölj sidofältet"],
    ["#readme-button", "Om tjänsten"],
    ["#user-nav-button", "Användarmeny"],
    ["#command-button", "Verktyg"],
    ["button.positive-feedback-off, button.positive-feedback-on", "Bra svar"],
    ["button.negative-feedback-off, button.negative-feedback-on", "Dåligt svar"],
    ["#side-view-title button", "Stäng källan"],
    ["#chat-input", "Din fråga"],
    ["[role='dialog'] textarea", "Kommentar (valfritt)"]
  ];

  function label(root) {
    BY_SELECTOR.forEach(function (pair) {
      root.querySelectorAll(pair[0]).forEach(function (el) {
        if (el.getAttribute("aria-label") !== pair[1]) {
          el.setAttribute("aria-label", pair[1]);
        }
      });
    });
    // Copy buttons and other icon buttons without a name: fall back to their tooltip text
    // or a generic Swedish name, so no control is announced without a label.
    root.querySelectorAll("button:not([aria-label])").forEach(function (button) {
      if ((button.textContent || "").trim()) return;
      if (button.querySelector("svg.lucide-copy, svg.lucide-check")) {
        button.setAttribute("aria-label", "Kopiera svaret");
      } else if (button.querySelector("svg.lucide-x")) {
        button.setAttribute("aria-label", "Stäng");
      }
    });
  }

  function start() {
    document.documentElement.setAttribute("lang", "sv");
    label(document);
    new MutationObserver(function () {
      label(document);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// Sources open only when the reader asks (issue 19 §5). Chainlit 2.12 opens the side panel
// by itself whenever an answer's source cards arrive, stacked under the last card's name
// ("[3]" over source [1]), keeps it on the previous answer's sources after the next answer,
// and on a phone covers the answer (upstream regression since 2.11, Chainlit/chainlit#2979,
// fix proposed in Chainlit/chainlit#2982). Until that fix ships, a panel that the reader did
// not open by following an [n] link is closed again at once; one they opened shows that
// card alone and stays until its content changes without a new click.
(function () {
  "use strict";
  var wanted = null; // the [n] the reader followed, and when
  var wantedAt = 0;
  var accepted = null; // the panel content the reader asked for
  var scheduled = false;
  var ASK_MS = 3000;

  function linkName(target) {
    var link = target && target.closest ? target.closest("a.element-link") : null;
    return link ? (link.textContent || "").trim() : null;
  }

  function remember(event) {
    var name = linkName(event.target);
    if (name) {
      wanted = name;
      wantedAt = Date.now();
      accepted = null;
    }
  }

  function close() {
    var title = document.getElementById("side-view-title");
    var sheet = title && title.closest('[role="dialog"]');
    if (sheet) {
      // The phone's sheet is a Radix dialog: Escape closes it and gives focus back.
      sheet.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
      return;
    }
    var button = title && title.querySelector("button");
    if (button) button.click();
  }

  function check() {
    scheduled = false;
    var content = document.getElementById("side-view-content");
    if (!content) {
      accepted = null;
      return;
    }
    var title = document.getElementById("side-view-title");
    var name = title ? (title.textContent || "").trim() : "";
    var cards = content.querySelectorAll("h3").length;
    var key = name + "\u0000" + (content.textContent || "").slice(0, 400);
    if (accepted !== null && key === accepted) return;
    var asked =
      wanted !== null && Date.now() - wantedAt < ASK_MS && name === wanted && cards <= 1;
    if (asked) {
      accepted = key;
      wanted = null;
      document.documentElement.setAttribute("data-source-open", name);
      return;
    }
    accepted = null;
    document.documentElement.removeAttribute("data-source-open");
    close();
  }

  function schedule() {
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(check);
    }
  }

  function start() {
    document.addEventListener("click", remember, true);
    document.addEventListener(
      "keydown",
      function (event) {
        if (event.key === "Enter" || event.key === " ") remember(event);
      },
      true
    );
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
