// P3 reference: an empty function, to show what `deno serve` itself costs before any code runs.
export default { fetch: () => new Response("ok") };
