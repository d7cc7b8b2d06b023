// ragstream chat page: speaks the /v1/chat protocol of docs/chat.md.
//
// Every piece of text that comes from the server (answers, titles, chunk text, error messages)
// is untrusted: it is put in the page with textContent / text nodes only, never as HTML.
'use strict';

(() => {
  const KEY_STORAGE = 'ragstream.apiKey';
  const MAX_RECONNECT_MS = 15000;
  // A citation marker, or what may become one when the next token arrives.
  const MARKER = /\[(\d{1,3})\]/g;
  const PARTIAL_MARKER = /\[\d{0,3}$/;

  const $ = (id) => document.getElementById(id);
  const els = {
    status: $('status'),
    notice: $('notice'),
    log: $('log'),
    conversation: document.querySelector('.conversation'),
    layout: document.querySelector('.layout'),
    askForm: $('ask-form'),
    question: $('question'),
    send: $('send'),
    cancel: $('cancel'),
    keyForm: $('key-form'),
    apiKey: $('api-key'),
    source: $('source'),
    sourceHeading: $('source-heading'),
    sourceN: $('source-n'),
    sourceTitle: $('source-title'),
    sourceDocument: $('source-document'),
    sourceChunk: $('source-chunk'),
    sourceScore: $('source-score'),
    sourceText: $('source-text'),
    sourceClose: $('source-close'),
  };

  // One conversation per page load: follow-up questions share the server's memory.
  const conversationId = randomId();
  let ws = null; // the open (or opening) socket
  let ready = false; // the server sent `ready` on ws
  let attempts = 0; // failed connections in a row, for the backoff
  let reconnectTimer = null;
  let counter = 0;
  let current = null; // the turn being answered
  const turns = new Map(); // request id -> turn
  let sourceOpener = null; // the button that opened the source panel, to give focus back
  let apiKey = storedKey(); // '' for none: the gateway then serves the anonymous caller

  function randomId() {
    if (window.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
    // crypto.randomUUID needs a secure context; getRandomValues does not.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // --- API key ---------------------------------------------------------------------------------

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_STORAGE) || '';
    } catch (e) {
      return '';
    }
  }

  function storeKey(key) {
    try {
      if (key) sessionStorage.setItem(KEY_STORAGE, key);
      else sessionStorage.removeItem(KEY_STORAGE);
    } catch (e) {
      // Storage disabled: the key lives until the page is closed.
    }
  }

  // --- connection ------------------------------------------------------------------------------

  function chatUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = apiKey ? '?api_key=' + encodeURIComponent(apiKey) : '';
    return scheme + '//' + location.host + '/v1/chat' + query;
  }

  function setStatus(state, text) {
    els.status.dataset.state = state;
    els.status.textContent = text;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    setStatus('connecting', 'Connecting…');
    const socket = new WebSocket(chatUrl());
    ws = socket;
    ready = false;
    socket.onmessage = (e) => {
      if (socket === ws) onMessage(e.data);
    };
    socket.onclose = (e) => {
      if (socket === ws) onClose(e, socket);
    };
    updateControls();
  }

  function reconnectNow() {
    const old = ws;
    ws = null;
    if (old) old.close(1000, 'reconnecting');
    abandonCurrent('The connection was replaced before the answer was complete.');
    attempts = 0;
    connect();
  }

  function onClose(e) {
    const wasReady = ready;
    ws = null;
    ready = false;
    abandonCurrent('The connection closed before the answer was complete.');
    const delay = Math.min(MAX_RECONNECT_MS, 1000 * 2 ** attempts);
    attempts++;
    let reason = closeReason(e.code);
    if (!wasReady && e.code === 1006) {
      reason += '; if the gateway needs an API key, enter it under “API key”';
    }
    setStatus(
      'disconnected',
      'Disconnected (' + reason + '). Reconnecting in ' + Math.round(delay / 1000) + ' s…'
    );
    reconnectTimer = setTimeout(connect, delay);
    updateControls();
  }

  function closeReason(code) {
    switch (code) {
      case 1000: return 'closed normally';
      case 1001: return 'idle timeout or server shutdown';
      case 1003: return 'unsupported frame';
      case 1006: return 'connection failed or refused';
      case 1009: return 'message too big';
      case 4008: return 'client too slow';
      case 4029: return 'too many messages';
      default: return 'code ' + code;
    }
  }

  function send(message) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    return true;
  }

  // --- server messages -------------------------------------------------------------------------

  function onMessage(data) {
    let m;
    try {
      m = JSON.parse(data);
    } catch (e) {
      showNotice('The server sent a message that is not JSON.');
      return;
    }
    const turn = m.id !== undefined && m.id !== null ? turns.get(m.id) : undefined;
    switch (m.type) {
      case 'ready':
        ready = true;
        attempts = 0;
        setStatus(
          'connected',
          'Connected as ' + m.caller.subject + ' (tenant ' + m.caller.tenant + ') · answers by ' +
            m.generator
        );
        if (m.limits && m.limits.maxQuestionChars) {
          els.question.maxLength = m.limits.maxQuestionChars;
        }
        updateControls();
        break;
      case 'citations':
        if (turn && turn === current) {
          turn.passages = new Map(m.passages.map((p) => [p.n, p]));
        }
        break;
      case 'token':
        if (turn && turn === current) {
          turn.raw += m.text;
          renderIncrement(turn);
        }
        break;
      case 'done':
        if (turn && turn === current) {
          if (m.answer !== turn.raw) {
            turn.raw = m.answer;
            renderAll(turn);
          } else {
            renderIncrement(turn, true);
          }
          renderSources(turn, m.cited || []);
          renderTimings(turn, m.timings || {}, m.asOf);
          finish(turn, 'done');
        }
        break;
      case 'cancelled':
        if (turn && turn === current) {
          renderIncrement(turn, true);
          turn.meta.textContent = 'Cancelled.';
          finish(turn, 'cancelled');
        }
        break;
      case 'error':
        onError(turn, m.code, m.message);
        break;
      case 'pong':
        break;
      default:
        // A newer server may add message types; they are not errors.
        break;
    }
  }

  function onError(turn, code, message) {
    if (turn && turn === current) {
      renderIncrement(turn, true);
      showTurnError(turn, code, message);
      finish(turn, 'error');
    } else if (turn && code === 'not_found') {
      // A cancel that crossed the answer's `done`: nothing to show.
    } else {
      showNotice('Error ' + code + ': ' + message);
    }
  }

  // --- turns -----------------------------------------------------------------------------------

  function ask(question) {
    if (!ready || current) return;
    const id = 'q' + ++counter;
    const turn = createTurn(id, question);
    if (!send({ type: 'ask', id, question, conversationId })) {
      showTurnError(turn, 'not_connected', 'The chat is not connected; try again shortly.');
      finish(turn, 'error');
      return;
    }
    current = turn;
    hideNotice();
    updateControls();
  }

  function createTurn(id, question) {
    const empty = els.log.querySelector('.empty');
    if (empty) empty.remove();
    const li = document.createElement('li');
    li.className = 'turn';
    li.dataset.id = id;
    li.dataset.state = 'streaming';
    const q = document.createElement('p');
    q.className = 'question';
    q.textContent = question;
    const answer = document.createElement('div');
    answer.className = 'answer';
    answer.setAttribute('aria-live', 'polite');
    answer.setAttribute('aria-busy', 'true');
    answer.setAttribute('aria-label', 'Answer');
    const sources = document.createElement('ul');
    sources.className = 'sources';
    sources.setAttribute('aria-label', 'Sources');
    sources.hidden = true;
    const meta = document.createElement('p');
    meta.className = 'meta';
    li.append(q, answer, sources, meta);
    els.log.append(li);
    const turn = { id, li, answer, sources, meta, raw: '', rendered: 0, passages: new Map() };
    turns.set(id, turn);
    scrollToEnd();
    return turn;
  }

  function finish(turn, state) {
    turn.li.dataset.state = state;
    turn.answer.setAttribute('aria-busy', 'false');
    if (turn === current) current = null;
    updateControls();
    scrollToEnd();
  }

  function abandonCurrent(message) {
    if (!current) return;
    const turn = current;
    renderIncrement(turn, true);
    showTurnError(turn, 'connection_lost', message);
    finish(turn, 'error');
  }

  function showTurnError(turn, code, message) {
    const p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    const c = document.createElement('code');
    c.textContent = code;
    p.append(c, ': ' + message);
    turn.li.append(p);
  }

  // --- rendering -------------------------------------------------------------------------------

  /**
   * Appends what arrived since the last call. A trailing "[1" may still become a citation, so it
   * waits for the next token unless `final`.
   */
  function renderIncrement(turn, final) {
    let end = turn.raw.length;
    if (!final) {
      const partial = PARTIAL_MARKER.exec(turn.raw.slice(turn.rendered));
      if (partial) end = turn.rendered + partial.index;
    }
    if (end <= turn.rendered) return;
    turn.answer.append(renderText(turn, turn.raw.slice(turn.rendered, end)));
    turn.rendered = end;
    scrollToEnd();
  }

  function renderAll(turn) {
    turn.answer.replaceChildren(renderText(turn, turn.raw));
    turn.rendered = turn.raw.length;
  }

  /** Text with each [n] of a retrieved passage as a button; everything else as text nodes. */
  function renderText(turn, text) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    MARKER.lastIndex = 0;
    let m;
    while ((m = MARKER.exec(text)) !== null) {
      const passage = turn.passages.get(Number(m[1]));
      if (!passage) continue;
      if (m.index > last) fragment.append(document.createTextNode(text.slice(last, m.index)));
      fragment.append(citeButton(passage, '[' + passage.n + ']'));
      last = MARKER.lastIndex;
    }
    if (last < text.length) fragment.append(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function citeButton(passage, label) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'cite';
    b.dataset.n = String(passage.n);
    b.textContent = label;
    const name = 'Source ' + passage.n + ': ' + (passage.title || passage.documentId);
    b.title = name;
    b.setAttribute('aria-label', name);
    b.setAttribute('aria-controls', 'source');
    b.addEventListener('click', () => openSource(passage, b));
    return b;
  }

  function renderSources(turn, cited) {
    turn.sources.replaceChildren();
    for (const n of cited) {
      const passage = turn.passages.get(n);
      if (!passage) continue;
      const li = document.createElement('li');
      li.append(citeButton(passage, '[' + n + '] ' + (passage.title || passage.documentId)));
      turn.sources.append(li);
    }
    turn.sources.hidden = turn.sources.childElementCount === 0;
  }

  function renderTimings(turn, timings, asOf) {
    const parts = [];
    if (timings.retrievalMs >= 0) parts.push('retrieval ' + timings.retrievalMs + ' ms');
    if (timings.firstTokenMs >= 0) parts.push('first token ' + timings.firstTokenMs + ' ms');
    if (timings.totalMs >= 0) parts.push('total ' + timings.totalMs + ' ms');
    turn.meta.replaceChildren(parts.join(' · '));
    if (asOf) {
      const time = document.createElement('time');
      time.dateTime = asOf;
      time.textContent = asOf;
      turn.meta.append(' · index as of ', time);
    }
  }

  function scrollToEnd() {
    els.conversation.scrollTop = els.conversation.scrollHeight;
  }

  // --- source panel ----------------------------------------------------------------------------

  function openSource(passage, opener) {
    sourceOpener = opener;
    els.sourceN.textContent = '[' + passage.n + ']';
    els.sourceTitle.textContent = passage.title || '(untitled)';
    els.sourceDocument.textContent = passage.documentId;
    els.sourceChunk.textContent = String(passage.chunk);
    els.sourceScore.textContent =
      typeof passage.score === 'number' ? passage.score.toFixed(3) : '';
    els.sourceText.textContent = passage.text;
    els.source.hidden = false;
    els.layout.classList.add('with-source');
    els.sourceHeading.focus();
  }

  function closeSource() {
    if (els.source.hidden) return;
    els.source.hidden = true;
    els.layout.classList.remove('with-source');
    if (sourceOpener && sourceOpener.isConnected) sourceOpener.focus();
    sourceOpener = null;
  }

  // --- notices and controls --------------------------------------------------------------------

  function showNotice(text) {
    els.notice.textContent = text;
    els.notice.hidden = false;
  }

  function hideNotice() {
    els.notice.hidden = true;
    els.notice.textContent = '';
  }

  function updateControls() {
    els.send.disabled = !ready || current !== null;
    els.cancel.hidden = current === null;
    els.cancel.disabled = current === null;
  }

  // --- wiring ----------------------------------------------------------------------------------

  els.askForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const question = els.question.value.trim();
    if (!question) return;
    if (!ready) {
      showNotice('The chat is not connected yet; wait for “Connected” and send again.');
      return;
    }
    if (current) return;
    els.question.value = '';
    ask(question);
  });

  els.question.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      els.askForm.requestSubmit();
    }
  });

  els.cancel.addEventListener('click', () => {
    if (current) send({ type: 'cancel', id: current.id });
  });

  els.keyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    apiKey = els.apiKey.value.trim();
    storeKey(apiKey);
    reconnectNow();
  });

  els.sourceClose.addEventListener('click', closeSource);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeSource();
  });

  els.apiKey.value = apiKey;
  updateControls();
  connect();
})();
