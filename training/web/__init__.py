"""The HTTP adapters: the Litestar app factory, security middleware, JSON controllers, pages and charts."""
