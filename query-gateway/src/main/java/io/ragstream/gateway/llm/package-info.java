/**
 * Answer generation on an OpenAI-compatible chat-completions server: {@link
 * io.ragstream.gateway.llm.OpenAiChatGenerator} (streamed over Server-Sent Events), configured by
 * {@link io.ragstream.gateway.llm.LlmConfig}, with prompts from {@link
 * io.ragstream.gateway.llm.PromptBuilder}.
 *
 * <p>Sources: OpenAI Chat Completions API (https://platform.openai.com/docs/api-reference/chat,
 * streaming chunks https://platform.openai.com/docs/api-reference/chat-streaming); WHATWG HTML,
 * Server-sent events (https://html.spec.whatwg.org/multipage/server-sent-events.html); OWASP Top 10
 * for LLM Applications, LLM01 Prompt Injection
 * (https://genai.owasp.org/llmrisk/llm01-prompt-injection/).
 */
package io.ragstream.gateway.llm;
