namespace Torsion.Defer;

/// <summary>C#-style type names for messages (<c>Deferred&lt;List&lt;int&gt;&gt;</c> rather than <c>Deferred`1</c>).</summary>
internal static class TypeNames
{
    public static string Of(Type type)
    {
        if (type == typeof(int))
        {
            return "int";
        }

        if (type == typeof(string))
        {
            return "string";
        }

        if (type == typeof(bool))
        {
            return "bool";
        }

        if (type == typeof(object))
        {
            return "object";
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Of))}>";
    }
}
