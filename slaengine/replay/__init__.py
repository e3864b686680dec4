"""What a proposed agreement would have done to past items: each kind lives its items again
under it from their stored instants (`slaengine.engine.lives`), and the figures are set side
by side with what really happened (`slaengine.replay.compare`)."""
