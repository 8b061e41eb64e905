from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in person's own language (their profile) wins over the browser's, which
    LocaleMiddleware has already applied. The API speaks English to machines: its messages
    are part of the contract, not of the page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            language = "en"
        else:
            user = getattr(request, "user", None)
            language = user.language if user is not None and user.is_authenticated and user.language else None
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
