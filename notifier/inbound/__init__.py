"""The chat bots: what comes back from Telegram and Zalo (presses, replies, commands, link codes)."""
