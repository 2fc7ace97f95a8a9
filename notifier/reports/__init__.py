"""Read models: what the CLI's --json, the office's pages and the Excel exports show."""
