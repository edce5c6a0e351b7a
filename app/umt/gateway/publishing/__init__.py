"""Publishing to real channels: the channel interface (base.py), one module per channel
(channels/), the HTTP helper they share (web.py), and the outbox that sends due deliveries."""
