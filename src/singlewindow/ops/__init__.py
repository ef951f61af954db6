"""Operations: health, metrics, backup/restore, DR drills."""
