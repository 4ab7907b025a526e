"""The partner API's endpoints of sources and reported counts (list and
detail), served under /api/v1/sources/ and /api/v1/reported-counts/."""
