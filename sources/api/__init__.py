"""The partner API's source endpoints (list and detail), served under /api/v1/sources/."""
