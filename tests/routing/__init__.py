"""Road graph, travel times, dispatch ranking, the matcher, postcodes, the region generator, and routing's purity."""
