"""The one error an editor sees for a bad article: a clear message, nothing stored."""


class ArticleError(ValueError):
    pass
