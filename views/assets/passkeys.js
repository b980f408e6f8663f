/* global document, window, fetch, SimpleWebAuthnBrowser */
// The passkey pages' own script, served as /assets/passkeys.js after @simplewebauthn/browser
// (/assets/webauthn.js). The login page's "Use a passkey" and the account page's "Add a
// passkey" stay hidden unless this runs in a browser that can use passkeys: without it, each page
// is a plain form page. The CSRF token goes in the x-csrf-token header of every JSON request.
(function passkeys() {
  'use strict';
  const webauthn = typeof SimpleWebAuthnBrowser === 'undefined' ? undefined : SimpleWebAuthnBrowser;
  const supported = Boolean(webauthn && webauthn.browserSupportsWebAuthn());
  const TRY_AGAIN = 'Something went wrong. Please try again.';

  async function postJson(url, csrf, body) {
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify(body || {}),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new Error('The server could not be reached. Check your connection and try again.');
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(typeof answer.error === 'string' ? answer.error : TRY_AGAIN);
    return answer;
  }

  // What the browser's own errors mean to a person; a cancelled prompt is not worth a red message.
  function messageFor(error, duringRegistration) {
    if (error && error.name === 'NotAllowedError') return 'The passkey prompt was closed or timed out. Try again when you are ready.';
    if (error && error.name === 'AbortError') return '';
    if (duringRegistration && error && error.name === 'InvalidStateError') return 'This device already holds a passkey for your account.';
    return (error && error.message) || TRY_AGAIN;
  }

  function show(element, message) {
    element.textContent = message;
    element.hidden = message === '';
  }

  function busy(button, on) {
    button.disabled = on;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  const signIn = document.getElementById('passkey-sign-in');
  if (signIn && supported) {
    const button = signIn.querySelector('button');
    const error = signIn.querySelector('[data-passkey-error]');
    signIn.hidden = false;
    button.addEventListener('click', async () => {
      busy(button, true);
      show(error, '');
      try {
        const optionsJSON = await postJson(signIn.dataset.options, signIn.dataset.csrf);
        const response = await webauthn.startAuthentication({ optionsJSON });
        const { location } = await postJson(signIn.dataset.verify, signIn.dataset.csrf, { response });
        window.location.assign(location);
      } catch (failure) {
        show(error, messageFor(failure, false));
        busy(button, false);
      }
    });
  }

  const add = document.getElementById('passkey-add');
  if (add && supported) {
    const button = add.querySelector('button[type=submit]');
    const error = add.querySelector('[data-passkey-error]');
    const unavailable = document.getElementById('passkey-unavailable');
    add.hidden = false;
    if (unavailable) unavailable.hidden = true;
    add.addEventListener('submit', async (event) => {
      event.preventDefault();
      busy(button, true);
      show(error, '');
      try {
        const optionsJSON = await postJson(add.dataset.options, add.dataset.csrf);
        const response = await webauthn.startRegistration({ optionsJSON });
        const { location } = await postJson(add.dataset.verify, add.dataset.csrf, { response, name: add.elements.namedItem('name').value });
        window.location.assign(location);
      } catch (failure) {
        show(error, messageFor(failure, true));
        busy(button, false);
      }
    });
  }
})();
