"""Certificate pages and endpoints: issuing tools, the public verification page, the learner pages."""
