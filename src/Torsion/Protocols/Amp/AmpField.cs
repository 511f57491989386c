namespace Torsion.Protocols.Amp;

/// <summary>One named key of a schema: how to take it from a record into a box and out of a box.</summary>
internal abstract class AmpField<TRecord>(string name, bool optional)
{
    public string Name { get; } = name;

    public bool Optional { get; } = optional;

    public abstract string TypeName { get; }

    public abstract void Write(TRecord record, AmpBox box);

    public abstract object? Read(byte[] value);
}

/// <summary>A field whose value is read from the record by a function.</summary>
internal sealed class AmpField<TRecord, TValue>(string name, bool optional, AmpArgument<TValue> argument, Func<TRecord, object?> get)
    : AmpField<TRecord>(name, optional)
{
    public override string TypeName => argument.TypeName;

    public override void Write(TRecord record, AmpBox box)
    {
        var value = get(record);
        if (value is null)
        {
            if (Optional)
            {
                return;
            }

            throw new ArgumentException($"AMP key '{Name}' ({TypeName}) is required but the value is null.");
        }

        byte[] bytes;
        try
        {
            bytes = argument.ToBytes((TValue)value);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            throw new ArgumentException($"AMP key '{Name}' ({TypeName}) cannot encode its value: {e.Message}", e);
        }

        box[Name] = bytes;
    }

    public override object? Read(byte[] value) => argument.FromBytes(value);
}
