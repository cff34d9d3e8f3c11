/**
 * The prompt builder (@d2v/prompt), loaded on first use. Only validation (a request's first step) and Create
 * Script need it; every other handler — the webhook, polls, downloads, processing — runs without parsing its
 * lexicons and regexes. In the Functions bundle the prompt builder sits inside lib/pipeline.js, and esbuild
 * turns a require()d module into an initializer that runs on the first call, so a webhook instance never
 * evaluates it. (A chunk of its own would need zod and @d2v/schema as chunks too: two copies of PipelineError
 * would break `instanceof`; not worth it for what remains, the parse of ~300 KiB.)
 */
type PromptModule = typeof import('@d2v/prompt');

let loaded: PromptModule | undefined;

export function promptBuilder(): PromptModule {
  loaded ??= require('@d2v/prompt') as PromptModule;
  return loaded;
}
