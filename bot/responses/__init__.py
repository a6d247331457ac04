"""What readers say: comments, votes and reactions, tied to the posts and lessons they concern."""
