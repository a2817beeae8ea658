"""Developer tools: bulk seeding for benchmarks and demos (``scimdir dev ...``). Not used by the
server; nothing here is on a request path."""
