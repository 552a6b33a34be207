package web

// UnreadLabel is the navigation bar's count of unread notifications, for
// its test.
var UnreadLabel = unreadLabel
