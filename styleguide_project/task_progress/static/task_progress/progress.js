// The progress page: celery-progress's CeleryProgressBar polls the JSON view and
// calls these handlers. Settings come from data attributes, not an inline
// script, so the page works under a Content-Security-Policy without 'unsafe-inline'.
(function () {
  "use strict";

  var root = document.getElementById("task-progress");
  if (!root || typeof CeleryProgressBar === "undefined") {
    return;
  }
  var count = document.getElementById("progress-count");
  var errorBox = document.getElementById("task-error");
  var done = document.getElementById("task-done");
  var link = document.getElementById("task-redirect");

  function setBar(bar, percent) {
    bar.style.width = percent + "%";
    bar.setAttribute("aria-valuenow", String(percent));
  }

  // The width the page was rendered with: the template writes no inline style (Content-Security-Policy).
  var initialBar = document.getElementById("progress-bar");
  if (initialBar) {
    setBar(initialBar, Number(initialBar.getAttribute("aria-valuenow")) || 0);
  }

  function setState(state) {
    root.dataset.state = state;
  }

  function showError(bar, message, text) {
    bar.classList.remove("success");
    bar.classList.add("failed");
    message.textContent = "The task failed.";
    errorBox.textContent = text || "The task failed.";
    errorBox.hidden = false;
  }

  CeleryProgressBar.initProgressBar(root.dataset.progressUrl, {
    pollInterval: Number(root.dataset.pollInterval) || 500,

    onProgress: function (bar, message, progress) {
      setBar(bar, progress.percent);
      // No total before the run reports one: no count rather than a made-up "0 of 100".
      count.textContent =
        progress.total === null || progress.total === undefined
          ? ""
          : progress.current + " of " + progress.total + " (" + progress.percent + "%)";
      if (progress.description) {
        message.textContent = progress.description;
      } else if (progress.pending) {
        message.textContent = "Waiting for the task to start…";
      } else if (progress.current === 0) {
        message.textContent = "Task started…";
      }
    },

    onSuccess: function (bar, message, result) {
      setState("SUCCESS");
      bar.classList.add("success");
      if (result && typeof result.redirect === "string") {
        // The server only passes on a redirect that is a path on this site.
        message.textContent = "Done. Taking you on…";
        link.href = result.redirect;
        done.hidden = false;
        window.location.assign(result.redirect);
      } else {
        message.textContent = "Done.";
      }
    },

    onTaskError: function (bar, message, excMessage) {
      setState("FAILURE");
      showError(bar, message, excMessage);
    },

    onRetry: function (bar, message, excMessage, retrySeconds) {
      setState("RETRY");
      message.textContent = "Retrying in " + retrySeconds + "s after an error: " + excMessage;
    },

    onIgnored: function (bar, message, result) {
      setState("IGNORED");
      message.textContent = result || "The task ended without a result.";
    },

    onHttpError: function (bar, message, excMessage, response) {
      setState("UNAVAILABLE");
      if (response && response.status === 404) {
        message.textContent = "This task is no longer available to you: are you still logged in?";
      } else {
        message.textContent = "Could not read the progress (" + excMessage + "). Reload the page to try again.";
      }
    },

    onNetworkError: function (bar, message) {
      message.textContent = "The server cannot be reached; trying again…";
    },

    onDataError: function (bar, message, excMessage) {
      setState("UNAVAILABLE");
      message.textContent = "Could not read the progress (" + excMessage + "). Reload the page to try again.";
    },

    // The result is not shown as text; a redirect is followed instead.
    onResult: function () {},
  });
})();
