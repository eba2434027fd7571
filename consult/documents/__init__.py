"""Documents on destinations: their versions, outlines, and the points that landed in them."""
