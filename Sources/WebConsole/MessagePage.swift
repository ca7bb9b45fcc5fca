/// A page with one message: an error, a confirmation, or a question with one button.
public struct MessagePage: Sendable {
    /// The one button of a question page.
    public struct Form: Sendable {
        public var action: String
        public var button: String
        public var csrf: String

        public init(action: String, button: String, csrf: String) {
            self.action = action
            self.button = button
            self.csrf = csrf
        }
    }

    public var chrome: Chrome
    public var heading: String
    public var text: String
    public var problem: Bool
    public var form: Form?
    public var back: String?

    public init(chrome: Chrome, heading: String, text: String, problem: Bool, form: Form? = nil, back: String? = nil) {
        self.chrome = chrome
        self.heading = heading
        self.text = text
        self.problem = problem
        self.form = form
        self.back = back
    }
}

/// The sign-in page: paste a token, or have a link emailed.
public struct SignInPage: Sendable {
    public var chrome: Chrome
    public var csrf: String
    public var next: String
    public var email: Bool
    public var linkMinutes: Int

    public init(chrome: Chrome, csrf: String, next: String, email: Bool, linkMinutes: Int) {
        self.chrome = chrome
        self.csrf = csrf
        self.next = next
        self.email = email
        self.linkMinutes = linkMinutes
    }
}
