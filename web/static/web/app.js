// The app's little script. No inline scripts anywhere (the Content-Security-Policy forbids
// them); behaviour is declared with htmx attributes, and what htmx cannot express lives here.
