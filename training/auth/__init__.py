"""Who is calling and what they may see: accounts, sign-in limits, API tokens, the access rules."""
