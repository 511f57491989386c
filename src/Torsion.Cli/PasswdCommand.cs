using System.CommandLine;
using System.Text;
using Torsion.Cred;

namespace Torsion.Cli;

/// <summary>
/// <c>torsion passwd FILE USER</c>: adds USER to the password file FILE or changes its password
/// (PBKDF2-SHA256, see <see cref="PasswordFile"/>). The password is read from standard input when it is
/// not a terminal (one line), else asked for twice without echo.
/// </summary>
internal static class PasswdCommand
{
    private const int MinIterations = 100_000;

    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The password file (created if missing)." };
        var user = new Argument<string>("USER") { Description = "The user to add or whose password to change." };
        var iterations = new Option<int>("--iterations")
        {
            Description = $"PBKDF2-SHA256 iterations (at least {MinIterations}).",
            DefaultValueFactory = _ => PasswordHash.DefaultIterations,
        };
        var command = new Command("passwd", "Add a user to a password file or change its password.") { file, user, iterations };
        command.SetAction(result => Run(result.GetValue(file)!, result.GetValue(user)!, result.GetValue(iterations)));
        return command;
    }

    private static int Run(string path, string user, int iterations)
    {
        if (PasswordFile.ValidateUsername(user) is { } userError)
        {
            return Fail(userError);
        }

        if (iterations < MinIterations)
        {
            return Fail($"--iterations {iterations} is below the minimum of {MinIterations}");
        }

        PasswordFile passwords;
        try
        {
            passwords = PasswordFile.Load(path, missingIsEmpty: true);
        }
        catch (CredentialFileFormatException error)
        {
            return Fail(error.Message);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot read {path}: {error.Message}");
        }

        string? password;
        try
        {
            password = Console.IsInputRedirected ? ReadFromStdin() : Prompt(user);
        }
        catch (InvalidOperationException error)
        {
            return Fail(error.Message);
        }

        if (password is null)
        {
            return 1;
        }

        if (password.Length == 0)
        {
            return Fail("the password is empty");
        }

        var added = passwords.Set(user, PasswordHash.Create(password, iterations));
        try
        {
            passwords.Save(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Fail($"cannot write {path}: {error.Message}");
        }

        Console.Error.WriteLine(added ? $"torsion passwd: added user '{user}' to {path}" : $"torsion passwd: changed the password of '{user}' in {path}");
        return 0;
    }

    private static string ReadFromStdin()
    {
        var line = Console.In.ReadLine() ?? throw new InvalidOperationException("no password on standard input");
        return line.TrimEnd('\r');
    }

    private static string? Prompt(string user)
    {
        var first = ReadHidden($"New password for {user}: ");
        var second = ReadHidden("Retype new password: ");
        if (!string.Equals(first, second, StringComparison.Ordinal))
        {
            Fail("the passwords do not match; nothing changed");
            return null;
        }

        return first;
    }

    private static string ReadHidden(string prompt)
    {
        Console.Error.Write(prompt);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return text.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                text.Append(key.KeyChar);
            }
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"torsion passwd: {message}");
        return 1;
    }
}
