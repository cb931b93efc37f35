"""Sources to chunks to Qdrant: manifest, loaders, cleaning, chunking, vectors, index."""
