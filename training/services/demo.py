async def seed_demo(password=None):
    return []
