// Every command of the client on one screen, in the order `stacks help` lists them: the table the
// parser reads the command line against and `CLI` dispatches from.

/// The client's commands.
public enum CommandTable {
    /// Every command.
    public static let commands: [Command] = [
        BookCommands.books, BookCommands.book,
        LoanCommands.borrow, LoanCommands.borrows, LoanCommands.giveBack, LoanCommands.renew,
        HoldCommands.hold, HoldCommands.holds, HoldCommands.cancel,
        NoticeCommands.notices, NoticeCommands.prefs,
        ChatCommand.chat,
        DeskCommands.checkout, DeskCommands.checkin,
        SessionCommands.login, SessionCommands.logout,
        KeyCommands.create, KeyCommands.list, KeyCommands.revoke,
        HealthCommand.health, DemoCommand.demo,
        HelpText.help,
    ]

    /// The command called `name`.
    public static func command(named name: String) -> Command? {
        commands.first { $0.spec.name == name }
    }

    /// A parser of these commands.
    public static let parser = ArgumentParser(commands: commands.map(\.spec))
}
